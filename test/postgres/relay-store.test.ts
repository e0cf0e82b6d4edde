import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import type { PostgresSettings } from '../../src/postgres/connection.js';
import { openPostgresStore, PostgresRelayStore } from '../../src/postgres/relay-store.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { StoreConflictError, StoreError, StoreUnavailableError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/index.js';
import { freePort } from '../e2e/process-helpers.js';
import { postgresAvailable, TcpProxy, TestDatabase } from '../postgres-helpers.js';
import { describeRelayStoreContract, rejectionOf } from '../store/contract.js';
import { describeInstallationContract } from '../store/installation-contract.js';
import { BASE_TIME, makeRecord, makeSlackRef } from '../store/records.js';

// A skipped suite must be seen: a green run without PostgreSQL has not tested the PostgreSQL store.
const available = await postgresAvailable('PostgreSQL store');

describe.skipIf(!available)('PostgresRelayStore (real PostgreSQL)', () => {
  let db: TestDatabase;
  const settings: PostgresSettings = { ...DEFAULTS.postgres, poolSize: 4 };
  const open = (extra: Partial<PostgresSettings> & { now?: () => number } = {}) =>
    openPostgresStore({ url: db.url, ...settings, ...extra });

  beforeAll(async () => {
    db = await TestDatabase.create('relay_store');
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** A store over an emptied table: the contract wants a fresh store per test. */
  async function fresh(): Promise<PostgresRelayStore> {
    const store = await open();
    await store.pool.query('TRUNCATE fxb_relays');
    return store;
  }

  describeRelayStoreContract('postgres', fresh, { reopen: () => open() });
  describeInstallationContract(
    'postgres',
    async () => {
      const store = await open();
      await store.pool.query('TRUNCATE fxb_installations, fxb_used_once');
      return store;
    },
    { reopen: () => open() },
  );

  describe('across two pools (two replicas)', () => {
    let a: PostgresRelayStore;
    let b: PostgresRelayStore;
    beforeAll(async () => {
      a = await fresh();
      b = await open();
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('creates exactly one of 20 concurrent records sharing a request key or a Slack message', async () => {
      for (const shared of [
        { requestKey: `command:T0TEST:${randomUUID()}` },
        { slack: makeSlackRef('7.1') },
      ]) {
        const records = Array.from({ length: 20 }, () => makeRecord(shared));
        const results = await Promise.all(records.map((r, i) => (i % 2 === 0 ? a : b).create(r)));
        const created = results.flatMap((r) => (r.created ? [r.record] : []));
        expect(created).toHaveLength(1);
        for (const result of results) {
          if (!result.created) expect(result.existing).toStrictEqual(created[0]);
        }
      }
      expect((await db.query('SELECT count(*)::int AS n FROM fxb_relays')).rows[0]?.n).toBe(2);
    });

    it('lets exactly one of 20 concurrent compare-and-sets win', async () => {
      const record = makeRecord({ status: 'sent' });
      await a.create(record);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).update(record.id, { status: 'revoking', revokedBy: `U${i}` }, 'sent'),
        ),
      );
      const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toBeInstanceOf(StoreConflictError);
          expect((result.reason as StoreConflictError).current).toStrictEqual(winners[0]);
        }
      }
      expect(await b.findById(record.id)).toStrictEqual(winners[0]);
    });
  });

  describe('tables', () => {
    it('keeps the record as jsonb beside the columns it is found by', async () => {
      const store = await fresh();
      const relayed = { teamId: 'T0TEST', channelId: 'C0SRC', ts: '8.2' };
      const record = makeRecord({ source: { door: 'message', teamId: 'T0TEST', slack: relayed, repeat: 2 } });
      await store.create(record);
      await store.update(record.id, { status: 'sent' });
      const { rows } = await db.query('SELECT * FROM fxb_relays WHERE id = $1', [record.id]);
      expect(rows[0]).toMatchObject({
        request_key: record.requestKey,
        team_id: record.slack?.teamId,
        channel_id: record.slack?.channelId,
        ts: record.slack?.ts,
        sender_id: 'U0SENDER',
        status: 'sent',
        source_team_id: 'T0TEST',
        source_channel_id: 'C0SRC',
        source_ts: '8.2',
        created_at: String(record.createdAt),
      });
      expect(rows[0]?.record).toMatchObject({ id: record.id, status: 'sent', text: record.text });
      // An operator may query the map in SQL.
      const byText = await db.query("SELECT id FROM fxb_relays WHERE record->>'text' = $1", [record.text]);
      expect(byText.rows).toEqual([{ id: record.id }]);
      await store.close();
    });

    it('keeps a NUL character, which jsonb itself refuses, boxed in the column and exact in the record', async () => {
      const store = await fresh();
      const record = makeRecord({ text: 'a\u0000b\u0000', recipientsInput: ['\u0000'] });
      await store.create(record);
      expect(await store.findById(record.id)).toStrictEqual(record);
      const { rows } = await db.query("SELECT record->'text' AS text FROM fxb_relays WHERE id = $1", [
        record.id,
      ]);
      expect(rows[0]?.text).toEqual({ $nul: ['a', 'b', ''] });
      await store.close();
    });
  });

  describe('locks', () => {
    it('prunes past a relay another transaction holds, and takes it at the next prune', async () => {
      const store = await fresh();
      const old = () => makeRecord({ status: 'sent', createdAt: BASE_TIME - 1 });
      const [held, ...others] = [old(), old(), old()] as [RelayRecord, ...RelayRecord[]];
      for (const record of [held, ...others]) await store.create(record);
      const holder = await db.client();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM fxb_relays WHERE id = $1 FOR UPDATE', [held.id]);
        // Not waited for (the statement timeout would fail it): skipped.
        expect(await store.prune(BASE_TIME)).toBe(2);
        expect(await store.findById(held.id)).toStrictEqual(held);
        await holder.query('COMMIT');
      } finally {
        await holder.end();
      }
      expect(await store.prune(BASE_TIME)).toBe(1);
      expect(await store.findById(held.id)).toBeUndefined();
      await store.close();
    });

    it('fails an update that waits past the statement timeout as unavailable, and it lands once retried', async () => {
      const store = await open({ statementTimeoutMs: 200 });
      const record = makeRecord({ status: 'pending' });
      await store.create(record);
      const holder = await db.client();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM fxb_relays WHERE id = $1 FOR UPDATE', [record.id]);
        const error = await rejectionOf(store.update(record.id, { status: 'sent' }, 'pending'));
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreError).message).toMatch(/statement timeout/);
        await holder.query('COMMIT');
      } finally {
        await holder.end();
      }
      expect((await store.update(record.id, { status: 'sent' }, 'pending')).status).toBe('sent');
      await store.close();
    });
  });

  describe('opening and closing', () => {
    it('is what openStore gives for postgres:// and postgresql://, with the clock passed through', async () => {
      for (const url of [db.url, db.url.replace(/^postgres:/, 'postgresql:')]) {
        const store = await openStore(url, { now: () => 77, postgres: settings });
        expect(store).toBeInstanceOf(PostgresRelayStore);
        const record = makeRecord();
        await store.create(record);
        expect((await store.update(record.id, { status: 'sent' })).updatedAt).toBe(77);
        await store.close();
      }
    });

    it('fails at start on an unreachable server with an unavailable error that never echoes the password', async () => {
      const url = `postgres://fx:hunter2@127.0.0.1:${await freePort()}/fx`;
      const error = await rejectionOf(openPostgresStore({ url, ...settings }));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreError).message).toMatch(
        /Could not connect to the PostgreSQL store at postgres:\/\/fx@127/,
      );
      expect((error as StoreError).message).not.toContain('hunter2');
    });

    it('fails at start on a database that does not exist, naming it', async () => {
      const url = new URL(db.url);
      url.pathname = '/fxb_no_such_database';
      url.password = 'hunter2';
      const error = await rejectionOf(openPostgresStore({ url: url.toString(), ...settings }));
      expect((error as StoreError).message).toMatch(/database "fxb_no_such_database" does not exist/);
      expect((error as StoreError).message).not.toContain('hunter2');
    });

    it.each([
      ['postgres:///fx?password=hunter2', /names no PostgreSQL host/],
      ['postgres://fx:hunter2@db:port/fx', /not a valid PostgreSQL URL/],
      [
        'postgres://fx:hunter2@db:5432/fx?sslmode=disable',
        /POSTGRES_CA_FILE is set but STORE_URL turns TLS off/,
      ],
    ])('rejects %j before connecting', async (url, message) => {
      const error = await rejectionOf(openPostgresStore({ url, ...settings, caFile: '/dev/null' }));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(message);
      expect((error as StoreError).message).not.toContain('hunter2');
    });

    it('names a CA file it cannot read', async () => {
      const error = await rejectionOf(
        openPostgresStore({ url: db.url, ...settings, caFile: '/nonexistent/ca.pem' }),
      );
      expect((error as StoreError).message).toBe(
        'POSTGRES_CA_FILE points at /nonexistent/ca.pem, which cannot be read (ENOENT)',
      );
    });

    it('reports a connection lost later as unavailable, and works again once the network is back', async () => {
      const proxy = await TcpProxy.start(db.url);
      const store = await openPostgresStore({ url: proxy.through(db.url), ...settings });
      await store.ping();
      await proxy.cut();
      const error = await rejectionOf(store.ping());
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreError).message).toMatch(/^PostgreSQL store unavailable: /);
      expect((error as StoreError).cause).toBeInstanceOf(Error);
      await proxy.open();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await proxy.close();
    });

    it('closes idempotently, and then rejects every call with a StoreError', async () => {
      const store = await open();
      await Promise.all([store.close(), store.close()]);
      await store.close();
      for (const call of [store.ping(), store.findById('rl_x'), store.create(makeRecord()), store.prune(1)]) {
        expect(await rejectionOf(call)).toBeInstanceOf(StoreError);
      }
    });
  });
});
