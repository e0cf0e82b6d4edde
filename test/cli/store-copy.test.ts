/**
 * `fx-bridge store copy` between real stores: SQLite and Redis into PostgreSQL and back, exact to
 * the last field, idempotent, finishing an interrupted copy, refusing conflicts, and never
 * printing a password.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { DEFAULTS } from '../../src/config.js';
import { openPostgresStore } from '../../src/postgres/relay-store.js';
import { openRedisStore } from '../../src/redis/relay-store.js';
import { RELAY_STATUSES, type RelayRecord } from '../../src/relay/types.js';
import { copyRelays } from '../../src/store/copy.js';
import type { RelayStore } from '../../src/store/interface.js';
import type { ScannableStore } from '../../src/store/scan.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { deleteKeysUnder, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { makeBatch, makeRecord, makeSlackRef } from '../store/records.js';
import { captureIo } from './cli-env.js';

const postgres = await postgresAvailable('store copy (PostgreSQL)');
const redis = await redisAvailable('store copy (Redis)');

/** A varied set of relays: every status, with and without a Slack message, batches, odd text. */
function relays(count: number): RelayRecord[] {
  return Array.from({ length: count }, (_, i) =>
    makeRecord({
      status: RELAY_STATUSES[i % RELAY_STATUSES.length],
      senderId: `U0COPY${i % 7}`,
      ...(i % 5 === 0 ? { slack: undefined } : {}),
      ...(i % 3 === 0 ? { batches: [makeBatch(0, { status: 'sent', messageId: `m${i}`, sentAt: i })] } : {}),
      ...(i === 1 ? { text: 'nul \u0000 and 你好 👋🏽' } : {}),
    }),
  );
}

async function all(store: ScannableStore): Promise<Map<string, RelayRecord>> {
  const found = new Map<string, RelayRecord>();
  let cursor: string | undefined;
  do {
    const page = await store.scan(cursor, 100);
    for (const record of page.records) found.set(record.id, record);
    cursor = page.next;
  } while (cursor !== undefined);
  return found;
}

async function fill(store: RelayStore, records: RelayRecord[]): Promise<void> {
  for (const record of records) expect((await store.create(record)).created).toBe(true);
}

describe.skipIf(!postgres)('fx-bridge store copy (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: string;
  let sqliteUrl: string;

  beforeAll(async () => {
    db = await TestDatabase.create('copy');
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-copy-'));
    sqliteUrl = `sqlite:${join(dir, 'fx-bridge.db')}`;
    const store = await openPostgresStore({ url: db.url, ...DEFAULTS.postgres, poolSize: 2 });
    await store.pool.query('TRUNCATE fxb_relays');
    await store.close();
    return () => rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const openPg = () => openPostgresStore({ url: db.url, ...DEFAULTS.postgres, poolSize: 2 });

  it('copies every relay from SQLite into PostgreSQL exactly, with a progress line and the count check', async () => {
    const records = relays(1_234);
    const sqlite = openSqliteStore({ path: join(dir, 'fx-bridge.db') });
    await fill(sqlite, records);
    await sqlite.close();

    const io = captureIo();
    expect(await runCli(['store', 'copy', '--from', sqliteUrl, '--to', db.url], io)).toBe(0);
    expect(io.stderr[0]).toBe(
      `Copying relays from SQLite ${join(dir, 'fx-bridge.db')} to PostgreSQL ${db.url}`,
    );
    expect(io.stderr.at(-1)).toMatch(
      /^ {2}1,234 \/ 1,234 relays \(100%\): 1,234 copied, 0 already there · [\d,]+\/s$/,
    );
    expect(io.stdout.join('\n')).toContain(
      '✓ 1,234 relays in the source, all in the destination (1,234 copied now, 0 there already); the destination holds 1,234.',
    );
    // Relays in work are named: a bridge on the destination takes them over.
    expect(io.stdout.join('\n')).toMatch(/relays were in work/);

    const pg = await openPg();
    const copied = await all(pg);
    expect(copied.size).toBe(records.length);
    for (const record of records) expect(copied.get(record.id)).toStrictEqual(record);
    // The copies are found as the bridge finds them.
    const keyed = records.find((record) => record.slack);
    expect(await pg.findBySlackMessage(keyed!.slack!)).toStrictEqual(keyed);
    await pg.close();

    // Again: nothing new, everything found, still exit 0.
    const again = captureIo();
    expect(await runCli(['store', 'copy', '--from', sqliteUrl, '--to', db.url], again)).toBe(0);
    expect(again.stdout.join('\n')).toContain('(0 copied now, 1,234 there already)');
  });

  it('finishes an interrupted copy when run again', async () => {
    const records = relays(900);
    const sqlite = openSqliteStore({ path: join(dir, 'fx-bridge.db') });
    await fill(sqlite, records);
    const pg = await openPg();
    // The first run dies after 300 relays: the destination fails from then on.
    let writes = 0;
    const dying = new Proxy(pg, {
      get(target, property, receiver) {
        if (property === 'create') {
          return async (record: RelayRecord) => {
            writes += 1;
            if (writes > 300) throw new Error('the copy process was killed');
            return target.create(record);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(copyRelays(sqlite, dying, { concurrency: 1 })).rejects.toThrow('killed');
    expect(await pg.count()).toBe(300);
    await Promise.all([sqlite.close(), pg.close()]);

    const io = captureIo();
    expect(await runCli(['store', 'copy', '--from', sqliteUrl, '--to', db.url], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('(600 copied now, 300 there already); the destination holds 900.');
  });

  it('copies PostgreSQL back into a new SQLite file', async () => {
    const records = relays(321);
    const pg = await openPg();
    await fill(pg, records);
    await pg.close();
    const io = captureIo();
    expect(await runCli(['store', 'copy', '--from', db.url, '--to', sqliteUrl], io)).toBe(0);
    const sqlite = openSqliteStore({ path: join(dir, 'fx-bridge.db') });
    const copied = await all(sqlite);
    expect(copied.size).toBe(321);
    for (const record of records) expect(copied.get(record.id)).toStrictEqual(record);
    await sqlite.close();
  });

  it('does not copy a relay whose request key another relay of the destination holds, names it, and fails', async () => {
    const [first, second] = relays(2) as [RelayRecord, RelayRecord];
    const sqlite = openSqliteStore({ path: join(dir, 'fx-bridge.db') });
    await fill(sqlite, [first, second]);
    await sqlite.close();
    const pg = await openPg();
    const holder = makeRecord({ requestKey: second.requestKey, slack: makeSlackRef('9.9') });
    await pg.create(holder);
    await pg.close();

    const io = captureIo();
    expect(await runCli(['store', 'copy', '--from', sqliteUrl, '--to', db.url], io)).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/^✗ count check failed: .*1 copied, 0 there already, 1 in conflict/);
    expect(io.stdout.join('\n')).toContain(
      `${second.id} not copied: relay ${holder.id} of the destination has its request key or Slack message`,
    );
  });

  it('never prints a password, on success or when a store cannot be reached', async () => {
    const withPassword = new URL(db.url);
    withPassword.password = 'hunter2-copy'; // trust authentication accepts any
    const sqlite = openSqliteStore({ path: join(dir, 'fx-bridge.db') });
    await fill(sqlite, relays(3));
    await sqlite.close();
    const io = captureIo();
    expect(await runCli(['store', 'copy', '--from', sqliteUrl, '--to', withPassword.toString()], io)).toBe(0);
    expect(io.output).toContain(`PostgreSQL postgres://postgres@127.0.0.1:5432/${db.name}`);
    expect(io.output).not.toContain('hunter2');

    const down = captureIo();
    const url = 'postgres://fx:hunter2-down@127.0.0.1:1/fx';
    expect(await runCli(['store', 'copy', '--from', sqliteUrl, '--to', url], down)).toBe(1);
    expect(down.output).toContain(
      'Could not connect to the PostgreSQL store at postgres://fx@127.0.0.1:1/fx',
    );
    expect(down.output).not.toContain('hunter2');
  });

  describe.skipIf(!redis)('with Redis', () => {
    const prefix = `fxb-test:copy:${randomUUID().slice(0, 8)}:`;
    let admin: Redis;
    beforeAll(() => {
      admin = new Redis(REDIS_URL);
    });
    afterAll(async () => {
      await deleteKeysUnder(admin, prefix);
      await admin.quit();
    });

    it('copies Redis into PostgreSQL and PostgreSQL into Redis, under a key prefix', async () => {
      const records = relays(600);
      const source = await openRedisStore({ url: REDIS_URL, keyPrefix: `${prefix}a:` });
      await fill(source, records);
      await source.close();
      const there = captureIo();
      expect(
        await runCli(
          ['store', 'copy', '--from', REDIS_URL, '--to', db.url, '--key-prefix', `${prefix}a:`],
          there,
        ),
      ).toBe(0);
      expect(there.stdout.join('\n')).toContain(
        '✓ 600 relays in the source, all in the destination (600 copied now',
      );

      const back = captureIo();
      expect(
        await runCli(
          ['store', 'copy', '--from', db.url, '--to', REDIS_URL, '--key-prefix', `${prefix}b:`],
          back,
        ),
      ).toBe(0);
      const copy = await openRedisStore({ url: REDIS_URL, keyPrefix: `${prefix}b:` });
      const copied = await all(copy);
      expect(copied.size).toBe(600);
      for (const record of records) expect(copied.get(record.id)).toStrictEqual(record);
      // Indexed as the bridge finds relays: by sender, newest first.
      const bySender = await copy.listBySender('U0COPY3', 1_000);
      expect(bySender.map((record) => record.id)).toEqual(
        records
          .filter((record) => record.senderId === 'U0COPY3')
          .sort((a, b) => b.createdAt - a.createdAt)
          .map((record) => record.id),
      );
      await copy.close();
    });
  });
});

describe('fx-bridge store copy: usage', () => {
  it.each([
    [['store', 'copy', '--from', 'sqlite:./a.db'], /needs --from <url> and --to <url>/],
    [
      ['store', 'copy', '--from', 'memory:', '--to', 'sqlite:./a.db'],
      /--from: a memory: store holds nothing/,
    ],
    [['store', 'copy', '--from', 'sqlite:./a.db', '--to', 'sqlite:./a.db'], /name the same store/],
    [
      ['store', 'copy', '--from', 'mysql://u:hunter2@h/d', '--to', 'sqlite:./a.db'],
      /--from: STORE_URL has unsupported scheme/,
    ],
    [['store', 'move'], /unknown store command "move"/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const io = captureIo();
    expect(await runCli(argv, io)).toBe(2);
    expect(io.output).toMatch(message);
    expect(io.output).not.toContain('hunter2');
  });

  it('has help', async () => {
    const io = captureIo();
    expect(await runCli(['store', 'copy', '--help'], io)).toBe(0);
    expect(io.output).toContain('Usage: fx-bridge store copy --from <STORE_URL> --to <STORE_URL>');
  });
});
