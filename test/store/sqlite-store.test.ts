import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import { MIGRATIONS, migrate, openSqliteStore, type SqliteRelayStore } from '../../src/store/sqlite-store.js';
import { describeRelayStoreContract, rejectionOf } from './contract.js';
import { describeInstallationContract } from './installation-contract.js';
import { makeRecord } from './records.js';

let dir: string;
let files = 0;
let lastPath = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fx-bridge-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function freshPath(): string {
  files += 1;
  lastPath = join(dir, `relays-${files}.db`);
  return lastPath;
}

describeRelayStoreContract('sqlite file', async () => openSqliteStore({ path: freshPath() }), {
  reopen: async () => openSqliteStore({ path: lastPath }),
});

describeInstallationContract('sqlite file', async () => openSqliteStore({ path: freshPath() }), {
  reopen: async () => openSqliteStore({ path: lastPath }),
});

describeRelayStoreContract('sqlite :memory:', async () => openSqliteStore({ path: ':memory:' }));

describe('SqliteRelayStore', () => {
  const opened: SqliteRelayStore[] = [];
  const open = (path: string, now?: () => number) => {
    const store = openSqliteStore(now ? { path, now } : { path });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it('creates the parent directory and puts the file in WAL mode', async () => {
    const path = join(dir, 'nested', 'deeper', 'relays.db');
    const store = open(path);
    await store.create(makeRecord());
    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('migrates a new file once and leaves a migrated one alone, keeping its data', async () => {
    const path = freshPath();
    const first = open(path);
    expect(first.migrationsApplied).toBe(MIGRATIONS.length);
    expect(first.schemaVersion()).toBe(MIGRATIONS.length);
    const record = makeRecord();
    await first.create(record);
    await first.close();
    const second = open(path);
    expect(second.migrationsApplied).toBe(0);
    expect(second.schemaVersion()).toBe(MIGRATIONS.length);
    expect(await second.findById(record.id)).toStrictEqual(record);
  });

  it('runs only the migrations a file has not seen yet', () => {
    const db = new Database(':memory:');
    try {
      expect(migrate(db)).toBe(MIGRATIONS.length);
      const next = [...MIGRATIONS, 'ALTER TABLE relays ADD COLUMN note TEXT'];
      expect(migrate(db, next)).toBe(1);
      expect(migrate(db, next)).toBe(0);
      expect(db.pragma('user_version', { simple: true })).toBe(next.length);
      expect(() => migrate(db, MIGRATIONS)).toThrow(StoreError);
    } finally {
      db.close();
    }
  });

  it('rolls a failing migration back entirely', () => {
    const db = new Database(':memory:');
    try {
      expect(() =>
        migrate(db, [...MIGRATIONS, 'CREATE TABLE extra (x); SELECT * FROM no_such_table']),
      ).toThrow();
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('relays', 'extra')").all()).toEqual(
        [],
      );
    } finally {
      db.close();
    }
  });

  it('shares data and compare-and-set between two instances on the same file', async () => {
    const path = freshPath();
    const a = open(path);
    const b = open(path);
    const record = makeRecord({ status: 'sent' });
    await a.create(record);
    expect(await b.findById(record.id)).toStrictEqual(record);
    expect(await b.create(makeRecord({ requestKey: record.requestKey }))).toStrictEqual({
      created: false,
      existing: record,
    });
    const results = await Promise.allSettled([
      a.update(record.id, { status: 'revoking', revokedBy: 'UA' }, 'sent'),
      b.update(record.id, { status: 'revoking', revokedBy: 'UB' }, 'sent'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = (await a.findById(record.id))?.revokedBy;
    expect(await b.findById(record.id)).toMatchObject({ status: 'revoking', revokedBy: winner });
  });

  it('stamps updates with the injected clock and keeps the columns in step with the JSON', async () => {
    const path = freshPath();
    const store = open(path, () => 4_242);
    const record = makeRecord({ slack: undefined });
    await store.create(record);
    await store.update(record.id, { status: 'sent', slack: { teamId: 'T1', channelId: 'C1', ts: '9.1' } });
    const raw = new Database(path, { readonly: true });
    try {
      const row = raw.prepare('SELECT team_id, channel_id, ts, status, updated_at, record FROM relays').get();
      expect(row).toMatchObject({
        team_id: 'T1',
        channel_id: 'C1',
        ts: '9.1',
        status: 'sent',
        updated_at: 4_242,
      });
      expect(JSON.parse((row as { record: string }).record)).toMatchObject({
        status: 'sent',
        updatedAt: 4_242,
      });
    } finally {
      raw.close();
    }
  });

  it('refuses a file written by a newer schema and wraps SQLite failures in StoreError', async () => {
    const path = freshPath();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => open(path)).toThrow(/newer than this build/);
    const store = open(freshPath());
    await store.close();
    expect(await rejectionOf(store.findById('rl_x'))).toBeInstanceOf(StoreError);
  });
});
