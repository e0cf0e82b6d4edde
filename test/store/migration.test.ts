/**
 * The store migration to typed held statuses and sources, on stores written by fx-bridge 0.1.0
 * before it (test/store/fixtures/, written by make-fixtures.ts with that version's code): every
 * record and field kept, held/cancelled relays in their own statuses, sources derived and indexed,
 * and a relay held in the old shape still confirmed or cancelled afterwards.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRedisStore, RedisRelayStore } from '../../src/redis/relay-store.js';
import { relayDeps } from '../../src/relay/deps.js';
import { cancelHeldRelay, confirmHeldRelay } from '../../src/relay/held.js';
import { relaysOfMessage } from '../../src/relay/message-relays.js';
import type { RelayRecord, RelaySource, RelayStatus, SlackMessageRef } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { MIGRATIONS, openSqliteStore } from '../../src/store/sqlite-store.js';
import { deleteKeysUnder, keysUnder, prefixes, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { FakeFxiaoke } from '../relay/fake-fxiaoke.js';
import { ALICE, FakePeople, GONE, slackProfiles } from '../relay/fake-people.js';
import { defaultTimings, RecordingLog, testSettings } from '../relay/relay-deps.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const MESSAGE: SlackMessageRef = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000300' };
const HELD_MESSAGE: SlackMessageRef = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000400' };
const command: RelaySource = { door: 'command', teamId: 'T0TEST' };

/** What each fixture relay becomes: its status (when it changes) and its derived source. */
const EXPECTED: Record<string, { status?: RelayStatus; source: RelaySource }> = {
  rl_fixture0001: { source: command },
  rl_fixture0002: { status: 'held', source: command },
  rl_fixture0003: { status: 'cancelled', source: command },
  rl_fixture0004: { source: command },
  rl_fixture0005: { source: { door: 'message', teamId: 'T0TEST', slack: MESSAGE } },
  rl_fixture0006: { source: { door: 'message', teamId: 'T0TEST', slack: MESSAGE, repeat: 2 } },
  rl_fixture0007: { source: { door: 'message', teamId: 'T0TEST', slack: MESSAGE, repeat: 3 } },
  rl_fixture0008: { status: 'held', source: { door: 'message', teamId: 'T0TEST', slack: HELD_MESSAGE } },
  rl_fixture0009: { source: { door: 'compose', teamId: 'T0TEST' } },
  rl_fixture0010: { source: command },
  rl_fixturelegacy: { status: 'confirmed', source: command },
};

function migrated(old: RelayRecord): RelayRecord {
  const expected = EXPECTED[old.id];
  if (!expected) throw new Error(`no expectation for fixture relay ${old.id}`);
  return { ...old, status: expected.status ?? old.status, source: expected.source };
}

/** What every migrated store must show, given the records as the old version wrote them. */
async function expectMigrated(store: RelayStore, old: RelayRecord[]): Promise<void> {
  expect(old.map((record) => record.id).sort()).toStrictEqual(Object.keys(EXPECTED).sort());
  // The old shapes really are in the fixtures: the test is not vacuous.
  expect(old.filter((record) => record.status === 'failed').map((record) => record.id)).toStrictEqual(
    expect.arrayContaining(['rl_fixture0002', 'rl_fixture0003', 'rl_fixture0008', 'rl_fixturelegacy']),
  );
  expect(old.some((record) => record.source !== undefined)).toBe(false);
  for (const record of old) {
    expect(await store.findById(record.id)).toStrictEqual(migrated(record));
    expect(await store.findByRequestKey(record.requestKey)).toStrictEqual(migrated(record));
    if (record.slack) expect((await store.findBySlackMessage(record.slack))?.id).toBe(record.id);
  }
  const ids = async (statuses: RelayStatus[]) =>
    (await store.listByStatus(statuses, 100)).map((record) => record.id);
  expect(await ids(['held'])).toStrictEqual(['rl_fixture0002', 'rl_fixture0008']);
  expect(await ids(['cancelled'])).toStrictEqual(['rl_fixture0003']);
  expect(await ids(['confirmed'])).toStrictEqual(['rl_fixturelegacy']);
  expect(await ids(['failed'])).toStrictEqual([]);
  expect(await ids(['received'])).toStrictEqual(['rl_fixture0010']);
  expect(await store.listRecent(100)).toHaveLength(old.length);
  expect((await store.listBySender('U0SENDER', 100)).map((record) => record.id)).toHaveLength(old.length - 1);
  expect((await store.listBySource(MESSAGE, 10)).map((record) => record.id)).toStrictEqual([
    'rl_fixture0005',
    'rl_fixture0006',
    'rl_fixture0007',
  ]);
  expect((await store.listBySource(HELD_MESSAGE, 10)).map((record) => record.id)).toStrictEqual([
    'rl_fixture0008',
  ]);
  expect((await relaysOfMessage(store, MESSAGE)).map(({ n, record }) => [n, record.id])).toStrictEqual([
    [1, 'rl_fixture0005'],
    [2, 'rl_fixture0006'],
    [3, 'rl_fixture0007'],
  ]);
}

/** The held relays of the old version, confirmed and cancelled by today's code. */
async function expectHeldStillAnswer(store: RelayStore): Promise<void> {
  const fake = new FakeFxiaoke();
  const deps = {
    ...relayDeps({
      ...defaultTimings(),
      store,
      fxiaoke: fake,
      settings: testSettings(),
      log: new RecordingLog(),
      now: () => 1_700_000_100_000,
      newRelayId: () => 'rl_unused',
      newThirdTraceId: () => 'third-after-migration',
    }),
    people: new FakePeople([ALICE, GONE]),
    profiles: slackProfiles(),
  };
  const confirmed = await confirmHeldRelay(deps, 'rl_fixture0002', 'U0SENDER');
  expect(confirmed).toMatchObject({ type: 'finished', record: { id: 'rl_fixture0002', status: 'sent' } });
  expect(fake.sends.map((call) => call.toUser)).toStrictEqual([[ALICE.openUserId, 'FSUID_S1']]);
  expect(await cancelHeldRelay(deps, 'rl_fixture0008', 'U0SENDER')).toMatchObject({
    type: 'cancelled',
    record: { id: 'rl_fixture0008', status: 'cancelled' },
  });
  // Cancelled by the old version: still cancelled, nothing sent.
  expect(await confirmHeldRelay(deps, 'rl_fixture0003', 'U0SENDER')).toMatchObject({ type: 'cancelled' });
  expect(fake.sends).toHaveLength(1);
  expect((await store.listByStatus(['held'], 10)).map((record) => record.id)).toStrictEqual([]);
}

describe('store migration: SQLite file written by 0.1.0', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function copyOfFixture(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fxb-migration-'));
    dirs.push(dir);
    const path = join(dir, 'relays.sqlite');
    copyFileSync(join(FIXTURES, 'v1-relays.sqlite'), path);
    return path;
  }

  /** Read from a copy of its own: opening a WAL file, even read-only, writes beside it. */
  function oldRecords(): RelayRecord[] {
    const db = new Database(copyOfFixture(), { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      const rows = db.prepare<[], string>('SELECT record FROM relays ORDER BY id').pluck().all();
      return rows.map((json) => JSON.parse(json) as RelayRecord);
    } finally {
      db.close();
    }
  }

  it('opens it, migrating once: statuses, sources and every other field and record kept', async () => {
    const path = copyOfFixture();
    const old = oldRecords();
    const store = openSqliteStore({ path });
    // From version 1 to the latest: typed statuses and sources (2), owed answers (3), any later.
    expect(store.migrationsApplied).toBe(MIGRATIONS.length - 1);
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    await expectMigrated(store, old);
    await store.close();
    const again = openSqliteStore({ path });
    expect(again.migrationsApplied).toBe(0);
    await expectMigrated(again, old);
    await again.close();
  });

  it('confirms and cancels the relays it held', async () => {
    const store = openSqliteStore({ path: copyOfFixture() });
    await expectHeldStillAnswer(store);
    await store.close();
  });
});

type DumpedKey = { type: 'string'; value: string } | { type: 'zset'; members: [string, number][] };
const dump = JSON.parse(readFileSync(join(FIXTURES, 'v1-redis-keys.json'), 'utf8')) as Record<
  string,
  DumpedKey
>;

const available = await redisAvailable('Redis store migration');

describe.skipIf(!available)('store migration: Redis keys written by 0.1.0', () => {
  const keyPrefixes = prefixes('migration');
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterEach(() => deleteKeysUnder(admin, keyPrefixes.run));
  afterAll(async () => {
    await deleteKeysUnder(admin, keyPrefixes.run);
    await admin.quit();
  });

  async function restore(prefix: string): Promise<void> {
    for (const [name, key] of Object.entries(dump)) {
      if (key.type === 'string') await admin.set(`${prefix}${name}`, key.value);
      else for (const [member, score] of key.members) await admin.zadd(`${prefix}${name}`, score, member);
    }
  }

  function oldRecords(): RelayRecord[] {
    return Object.entries(dump)
      .filter(([name]) => name.startsWith('relay:'))
      .map(([, key]) => JSON.parse(key.type === 'string' ? key.value : '') as RelayRecord);
  }

  const members = async (key: string) => admin.zrange(key, 0, -1, 'WITHSCORES');

  it('migrates each record once when two replicas open it at the same time, indexes included', async () => {
    const prefix = keyPrefixes.fresh();
    await restore(prefix);
    const old = oldRecords();
    const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    const [first, second] = [
      new RedisRelayStore(a, { keyPrefix: prefix }),
      new RedisRelayStore(b, { keyPrefix: prefix }),
    ];
    const counts = await Promise.all([first.migrate(), second.migrate()]);
    // Every relay lacked a source, so each was rewritten, by exactly one of the two.
    expect(counts[0] + counts[1]).toBe(old.length);
    await expectMigrated(first, old);
    await expectMigrated(second, old);
    const createdAt = (id: string) => String(old.find((record) => record.id === id)?.createdAt);
    expect(await members(`${prefix}status:held`)).toStrictEqual([
      'rl_fixture0002',
      createdAt('rl_fixture0002'),
      'rl_fixture0008',
      createdAt('rl_fixture0008'),
    ]);
    expect(await admin.exists(`${prefix}status:failed`)).toBe(0);
    expect(await members(`${prefix}src:T0TEST:C0GENERAL:1700000000.000300`)).toStrictEqual(
      ['rl_fixture0005', 'rl_fixture0006', 'rl_fixture0007'].flatMap((id) => [id, createdAt(id)]),
    );
    // Nothing else moved: the request, message and sender keys are as the old version left them.
    const untouched = Object.keys(dump).filter(
      (name) => !name.startsWith('relay:') && !name.startsWith('status:'),
    );
    for (const name of untouched) {
      const key = dump[name];
      if (key?.type === 'string') expect(await admin.get(`${prefix}${name}`)).toBe(key.value);
      else
        expect(await members(`${prefix}${name}`)).toStrictEqual(
          key?.members.flatMap(([m, s]) => [m, String(s)]),
        );
    }
    const added = (await keysUnder(admin, prefix))
      .map((key) => key.slice(prefix.length))
      .filter((name) => !(name in dump));
    expect(added.sort()).toStrictEqual([
      'schema',
      'src:T0TEST:C0GENERAL:1700000000.000300',
      'src:T0TEST:C0GENERAL:1700000000.000400',
      'status:cancelled',
      'status:confirmed',
      'status:held',
    ]);
    await Promise.all([first.close(), second.close()]);
    // Opened again (as openStore does): nothing left to do.
    const reopened = await openRedisStore({ url: REDIS_URL, keyPrefix: prefix });
    expect(await reopened.migrate()).toBe(0);
    await expectMigrated(reopened, old);
    await reopened.close();
  });

  it('migrates at open, and confirms and cancels the relays it held', async () => {
    const prefix = keyPrefixes.fresh();
    await restore(prefix);
    const store = await openRedisStore({ url: REDIS_URL, keyPrefix: prefix });
    expect((await store.findById('rl_fixture0002'))?.status).toBe('held');
    await expectHeldStillAnswer(store);
    await store.close();
  });
});
