/** Two replicas' limiters (two pools) share one budget through the real PostgreSQL. */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeSharedStateError } from '../../src/fxiaoke/errors.js';
import { type Grant, RateLimiterClosedError } from '../../src/fxiaoke/rate-limiter.js';
import { createPool, postgresTarget } from '../../src/postgres/connection.js';
import { PostgresRateLimiter } from '../../src/postgres/rate-limiter.js';
import { postgresAvailable, TcpProxy, TestDatabase } from '../postgres-helpers.js';

const SEND = '/cgi/message/send';
const available = await postgresAvailable('PostgreSQL rate limiter');

describe.skipIf(!available)('PostgresRateLimiter (real PostgreSQL)', () => {
  let db: TestDatabase;
  const pools: pg.Pool[] = [];
  const limiters: PostgresRateLimiter[] = [];

  /** Two replicas, each with its own pool. */
  async function replicas(
    budget = { calls: 10, windowMs: 300 },
  ): Promise<[PostgresRateLimiter, PostgresRateLimiter]> {
    const make = async () => {
      const pool = await db.pool();
      pools.push(pool);
      const limiter = new PostgresRateLimiter({ pool, budget });
      limiters.push(limiter);
      return limiter;
    };
    return [await make(), await make()];
  }

  beforeAll(async () => {
    db = await TestDatabase.create('rate');
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    await db.query('TRUNCATE fxb_rate_grants, fxb_rate_state');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('30 concurrent acquires on two replicas, budget 10 per 300 ms: never more than 10 in any window', async () => {
    const [a, b] = await replicas();
    const byReplica: ('a' | 'b')[] = [];
    const grants = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const limiter = i % 2 === 0 ? a : b;
        return limiter.acquire(SEND).then((grant: Grant) => {
          byReplica.push(i % 2 === 0 ? 'a' : 'b');
          return grant;
        });
      }),
    );
    // Grant times are the server's clock: one clock for both replicas.
    const times = grants.map((g) => g.grantedAt).sort((x, y) => x - y);
    expect(times).toHaveLength(30);
    for (let i = 0; i + 10 < times.length; i++) {
      expect(times[i + 10]! - times[i]!).toBeGreaterThanOrEqual(300);
    }
    expect(byReplica.filter((r) => r === 'a')).toHaveLength(15);
  });

  it('a penalty on one replica pauses the endpoint for the other and halves the shared budget', async () => {
    const [a, b] = await replicas();
    await a.acquire(SEND);
    // Long, so that no stall of a loaded test machine can end it between the steps below.
    await a.penalize(SEND, a.now() + 5_000);
    await a.penalize(SEND, a.now() + 100); // the same burst refused again: no second halving, no shortening
    const { rows } = await db.query('SELECT cap FROM fxb_rate_state WHERE path = $1', [SEND]);
    expect(rows).toEqual([{ cap: 5 }]);

    const told: number[] = [];
    const waiting = b.acquire(SEND, { onWait: (ms) => told.push(ms) });
    while (told.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(told[0]).toBeGreaterThan(1_000);
    expect(told[0]).toBeLessThanOrEqual(5_000);
    expect(b.queueDepth()).toBe(1);
    expect(await b.acquire('/cgi/app/message/revoke')).toMatchObject({ waitedMs: 0 }); // others carry on
    await b.close();
    await expect(waiting).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('a pause ends on time: the next call goes out once it is over (server clock)', async () => {
    const [a, b] = await replicas();
    await a.penalize(SEND, a.now() + 300);
    const { rows } = await db.query<{ until: number }>(
      'SELECT (extract(epoch FROM paused_until) * 1000)::float8 AS until FROM fxb_rate_state WHERE path = $1',
      [SEND],
    );
    const grant = await b.acquire(SEND);
    expect(grant.grantedAt).toBeGreaterThanOrEqual(rows[0]!.until);
    expect(grant.grantedAt).toBeLessThan(rows[0]!.until + 5_000);
  });

  it('keeps rows only while they count: old grants and a regained penalty are deleted by the next decision', async () => {
    const [a] = await replicas({ calls: 10, windowMs: 1_000 });
    await db.query(
      `INSERT INTO fxb_rate_grants (path, slot, at) VALUES ($1, gen_random_uuid(), now() - interval '1 hour')`,
      [SEND],
    );
    await db.query(
      `INSERT INTO fxb_rate_state (path, paused_until, cap, since)
       VALUES ($1, now() - interval '1 hour', 1, now() - interval '1 hour')`,
      [SEND],
    );
    const grant = await a.acquire(SEND);
    expect(grant.waitedMs).toBe(0);
    const grants = await db.query('SELECT slot FROM fxb_rate_grants WHERE path = $1', [SEND]);
    expect(grants.rows).toHaveLength(1);
    expect((await db.query('SELECT * FROM fxb_rate_state')).rows).toEqual([]);
    // Done: the call's slot counts from its end.
    await grant.done();
    const after = await db.query('SELECT slot FROM fxb_rate_grants WHERE path = $1', [SEND]);
    expect(after.rows).toEqual(grants.rows);
  });

  it('close() rejects the waiters of that replica only', async () => {
    const [a, b] = await replicas({ calls: 1, windowMs: 10_000 });
    await a.acquire(SEND);
    const waitingA = a.acquire(SEND);
    const waitingB = b.acquire(SEND);
    await expect.poll(() => a.queueDepth() + b.queueDepth()).toBe(2);
    await a.close();
    await expect(waitingA).rejects.toBeInstanceOf(RateLimiterClosedError);
    expect(b.queueDepth()).toBe(1);
    await b.close();
    await expect(waitingB).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('rides out a database that is away for a moment: the waiter gets its grant once it is back', async () => {
    const proxy = await TcpProxy.start(db.url);
    const pool = createPool(postgresTarget(proxy.through(db.url)), { ...DEFAULTS.postgres, poolSize: 2 });
    pools.push(pool);
    const limiter = new PostgresRateLimiter({ pool, budget: DEFAULTS.fxiaokeRateLimit });
    limiters.push(limiter);
    await limiter.acquire(SEND);
    await proxy.cut();
    let granted = false;
    const waiting = limiter.acquire(SEND).then((grant) => {
      granted = true;
      return grant;
    });
    // The decision failed at least once on the cut network and is being tried again.
    await expect.poll(() => proxy.refused, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(granted).toBe(false);
    await proxy.open();
    expect((await waiting).grantedAt).toBeGreaterThan(0);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM fxb_rate_grants WHERE path = $1', [SEND]);
    expect(rows[0]?.n).toBe(2);
    await proxy.close();
  });

  it('fails the waiters once the database stays away longer than it waits', async () => {
    const proxy = await TcpProxy.start(db.url);
    const pool = createPool(postgresTarget(proxy.through(db.url)), { ...DEFAULTS.postgres, poolSize: 2 });
    pools.push(pool);
    const limiter = new PostgresRateLimiter({ pool, budget: DEFAULTS.fxiaokeRateLimit, outageWaitMs: 300 });
    limiters.push(limiter);
    await proxy.cut();
    const error = await limiter.acquire(SEND).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxiaokeSharedStateError);
    expect(String(error)).toMatch(/shared Fxiaoke rate limit \(PostgreSQL\) failed: Connection terminated/);
    expect(proxy.refused).toBeGreaterThan(1); // tried again before giving up
    await proxy.close();
  });

  it('a database failure fails the waiters with a message that names the shared limit', async () => {
    const pool = await db.pool();
    const limiter = new PostgresRateLimiter({ pool, budget: DEFAULTS.fxiaokeRateLimit });
    limiters.push(limiter);
    await pool.end();
    const error = await limiter.acquire(SEND).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxiaokeSharedStateError);
    expect(String(error)).toMatch(/shared Fxiaoke rate limit \(PostgreSQL\) failed/);
  });
});
