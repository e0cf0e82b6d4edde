/**
 * The pool's connections on the real server: a connection the server ends while it is checked out
 * and its taker has no listener yet (the gap between the pool handing it out and the taker's
 * `await` resuming) must not end the process with an uncaught 'error' event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { createPool, postgresTarget } from '../../src/postgres/connection.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';

const available = await postgresAvailable('PostgreSQL connections');

describe.skipIf(!available)('the PostgreSQL pool (real PostgreSQL)', () => {
  let db: TestDatabase | undefined;
  let pool: ReturnType<typeof createPool> | undefined;

  afterEach(async () => {
    await pool?.end().catch(() => undefined);
    await db?.drop();
  });

  it('survives the server ending a checked-out connection that has no listener of its taker', async () => {
    db = await TestDatabase.create('connection');
    pool = createPool(postgresTarget(db.url), { ...DEFAULTS.postgres, poolSize: 2 });
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      // The server's FATAL reaches an idle, checked-out client: without a listener, an uncaught exception.
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      // pg keeps "usable" in a private field; reading it is the one way to know the FATAL has arrived.
      const state = client as unknown as { _queryable: boolean };
      await expect.poll(() => state._queryable, { timeout: 10_000 }).toBe(false);
    } finally {
      process.off('uncaughtException', record);
    }
    expect(uncaught).toEqual([]);
    client.release(true);
    // The pool goes on with a new connection.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
  });
});
