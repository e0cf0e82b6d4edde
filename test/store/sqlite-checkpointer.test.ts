/**
 * WAL checkpoints on the worker thread: the main connection never checkpoints inside a commit, the
 * worker moves the WAL into the database file, and a worker that fails hands checkpoints back.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { makeRecord } from './records.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fx-bridge-checkpoint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sizeOf = (path: string) => statSync(path).size;

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function writeRelays(store: ReturnType<typeof openSqliteStore>, count: number, prefix: string) {
  for (let index = 0; index < count; index++) {
    await store.create(makeRecord({ id: `rl_${prefix}${index}`, requestKey: `${prefix}:${index}` }));
  }
}

describe('SqliteRelayStore checkpoints', () => {
  it('moves committed writes into the database file from the worker, not inside commits', async () => {
    const path = join(dir, 'background.db');
    const store = openSqliteStore({ path, checkpointIntervalMs: 50 });
    const initial = sizeOf(path);
    // 40 relays stay far below SQLite's own threshold (1,000 WAL pages): without the worker,
    // nothing would reach the database file before close.
    await writeRelays(store, 40, 'a');
    await until(() => sizeOf(path) > initial);
    expect(sizeOf(path)).toBeGreaterThan(initial);
    await store.close();

    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT count(*) AS n FROM relays').get()).toEqual({ n: 40 });
    reopened.close();
  });

  it('without the worker, the same writes wait in the WAL (the check above can fail)', async () => {
    const path = join(dir, 'inline.db');
    const store = openSqliteStore({ path, backgroundCheckpoints: false });
    const initial = sizeOf(path);
    await writeRelays(store, 40, 'b');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sizeOf(path)).toBe(initial);
    expect(sizeOf(`${path}-wal`)).toBeGreaterThan(0);
    await store.close();
  });

  it('reports a worker that cannot open the database, once', async () => {
    const failures: Error[] = [];
    const checkpointer = new SqliteCheckpointer({
      path: join(dir, 'no', 'such', 'dir', 'x.db'),
      intervalMs: 50,
      onFailure: (error) => failures.push(error),
    });
    expect(await checkpointer.ready).toBe(false);
    await until(() => failures.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(failures).toHaveLength(1);
    await checkpointer.stop();
  });

  it('stops cleanly, twice, and reports nothing when stopped on purpose', async () => {
    const path = join(dir, 'stop.db');
    new Database(path).close();
    const failures: Error[] = [];
    const checkpointer = new SqliteCheckpointer({ path, onFailure: (error) => failures.push(error) });
    expect(await checkpointer.ready).toBe(true);
    await checkpointer.stop();
    await checkpointer.stop();
    expect(failures).toEqual([]);
  });
});
