/**
 * SqliteRelayStore while a second, real process holds the file's write lock (BEGIN IMMEDIATE, as a
 * `sqlite3` shell or a backup tool would): the event loop keeps turning, reads answer, writes wait
 * asynchronously and land in issue order after the release, close() rejects what still waits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { openSqliteStore, type SqliteRelayStore } from '../../src/store/sqlite-store.js';
import { SqliteLockHolder } from '../sqlite-lock.js';
import { makeRecord, makeSlackRef } from './records.js';

let dir: string;
let files = 0;
const stores: SqliteRelayStore[] = [];
const holders: SqliteLockHolder[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fx-bridge-lock-'));
});
afterEach(async () => {
  for (const holder of holders.splice(0)) await holder.kill();
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A migrated store on a fresh file, and a holder process with the same file open (not locked). */
async function setUp(): Promise<{ store: SqliteRelayStore; holder: SqliteLockHolder; path: string }> {
  files += 1;
  const path = join(dir, `relays-${files}.db`);
  const store = openSqliteStore({ path });
  stores.push(store);
  const holder = await SqliteLockHolder.start(path);
  holders.push(holder);
  return { store, holder, path };
}

/** Tracks whether a promise has settled, without handling its outcome for the caller. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { promise, settled: () => settled };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('SqliteRelayStore under another process’s write lock', () => {
  it('keeps the event loop turning and reads answering; a write lands only after the release', async () => {
    const { store, holder } = await setUp();
    const before = makeRecord({ slack: makeSlackRef('1.000001') });
    await store.create(before);
    await holder.lock();

    const record = makeRecord({ slack: makeSlackRef('1.000002') });
    const write = track(store.create(record));
    // A setImmediate round trip and a timer complete while the write is still waiting.
    await turn();
    expect(write.settled()).toBe(false);
    await sleep(50);
    expect(write.settled()).toBe(false);
    // Reads go on (WAL): the earlier record, the lists, the readiness ping.
    expect(await store.findById(before.id)).toStrictEqual(before);
    expect(await store.findById(record.id)).toBeUndefined();
    expect((await store.listRecent(10)).map((r) => r.id)).toEqual([before.id]);
    await store.ping();
    expect(write.settled()).toBe(false);

    await holder.release();
    expect(await write.promise).toStrictEqual({ created: true, record });
    expect(await store.findById(record.id)).toStrictEqual(record);
  });

  it('lands writes issued during the lock in issue order (create, then two compare-and-sets)', async () => {
    const { store, holder } = await setUp();
    await holder.lock();
    const record = makeRecord({ status: 'pending', slack: makeSlackRef('2.000001') });
    const order: string[] = [];
    const steps = [
      store.create(record).then(() => order.push('create')),
      store.update(record.id, { status: 'sent' }, 'pending').then(() => order.push('sent')),
      store
        .update(record.id, { status: 'revoking', revokedBy: 'U1' }, 'sent')
        .then(() => order.push('revoking')),
    ];
    await sleep(30);
    expect(order).toEqual([]);
    await holder.release();
    await Promise.all(steps);
    expect(order).toEqual(['create', 'sent', 'revoking']);
    expect(await store.findById(record.id)).toMatchObject({ status: 'revoking', revokedBy: 'U1' });
  });

  it('rejects writes still waiting at close() with a StoreError, and close() does not hang', async () => {
    const { store, holder } = await setUp();
    await holder.lock();
    const waiting = [store.create(makeRecord()), store.prune(Date.now())];
    await turn();
    await store.close();
    const results = await Promise.allSettled(waiting);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/closed/);
    }
  });

  it('gives up opening a file that stays locked, with a clear StoreError', async () => {
    files += 1;
    const path = join(dir, `relays-${files}.db`);
    const holder = await SqliteLockHolder.start(path);
    holders.push(holder);
    await holder.lock();
    expect(() => openSqliteStore({ path, openTimeoutMs: 100 })).toThrow(/stayed locked by another process/);
    await holder.release();
    const store = openSqliteStore({ path });
    stores.push(store);
    expect(store.migrationsApplied).toBeGreaterThan(0);
  });
});
