/**
 * PostgreSQL schema migrations on the real server: from an empty database, from each earlier
 * version, by replicas starting together, and a made-up next version that shows how one is added
 * (and that a failing one leaves the database as it was).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { createPool, postgresTarget } from '../../src/postgres/connection.js';
import { MIGRATIONS, type Migration, migrate, schemaVersionOf } from '../../src/postgres/migrations.js';
import { openPostgresStore } from '../../src/postgres/relay-store.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { StoreError } from '../../src/store/errors.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { rejectionOf } from '../store/contract.js';
import { makeRecord } from '../store/records.js';

const available = await postgresAvailable('PostgreSQL migrations');
const LATEST = MIGRATIONS.at(-1)?.version ?? 0;
const settings = { ...DEFAULTS.postgres, poolSize: 2 };

/** A made-up version 2: a column filled from the records by code, as a real one might be. */
const NEXT: Migration = {
  version: LATEST + 1,
  name: 'test: recipient count column',
  up: async (client) => {
    await client.query('ALTER TABLE fxb_relays ADD COLUMN recipient_count integer');
    await client.query("UPDATE fxb_relays SET recipient_count = jsonb_array_length(record->'recipients')");
    await client.query('ALTER TABLE fxb_relays ALTER COLUMN recipient_count SET NOT NULL');
  },
};

describe('the migration list', () => {
  it('numbers versions 1, 2, 3… without gaps, each named', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    for (const migration of MIGRATIONS) expect(migration.name.length).toBeGreaterThan(0);
  });
});

describe.skipIf(!available)('PostgreSQL schema migrations (real PostgreSQL)', () => {
  const databases: TestDatabase[] = [];
  const pools: { end(): Promise<void> }[] = [];

  async function database(): Promise<TestDatabase> {
    const db = await TestDatabase.create('migrations');
    databases.push(db);
    return db;
  }
  function pool(db: TestDatabase) {
    const opened = createPool(postgresTarget(db.url), settings);
    pools.push(opened);
    return opened;
  }
  async function tables(db: TestDatabase): Promise<string[]> {
    const { rows } = await db.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    return rows.map((row) => row.name);
  }

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((each) => each.end()));
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  });

  it('creates every table on an empty database, and applies nothing the second time', async () => {
    const db = await database();
    const migrations = pool(db);
    expect(await migrate(migrations)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await tables(db)).toEqual([
      'fxb_installations',
      'fxb_rate_grants',
      'fxb_rate_state',
      'fxb_relays',
      'fxb_schema_migrations',
      'fxb_send_slots',
      'fxb_settings',
      'fxb_settings_audit',
      'fxb_tokens',
      'fxb_used_once',
    ]);
    expect(await migrate(migrations)).toEqual([]);
    const { rows } = await db.query('SELECT version, name FROM fxb_schema_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it('brings a database at each earlier version up to the latest, keeping its relays', async () => {
    for (let from = 0; from < LATEST; from++) {
      const db = await database();
      await migrate(pool(db), MIGRATIONS.slice(0, from));
      expect(await schemaVersionOf(pool(db))).toBe(from);
      const store = await openPostgresStore({ url: db.url, ...settings });
      expect(await schemaVersionOf(store.pool)).toBe(LATEST);
      const record = makeRecord();
      await store.create(record);
      expect(await store.findById(record.id)).toStrictEqual(record);
      await store.close();
    }
  });

  it('lets five replicas start together on an empty database: all come up, each version runs once', async () => {
    const db = await database();
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => openPostgresStore({ url: db.url, ...settings })),
    );
    const { rows } = await db.query('SELECT version FROM fxb_schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    // Each one works on the one schema.
    const records = stores.map(() => makeRecord());
    await Promise.all(stores.map((store, i) => store.create(records[i] as RelayRecord)));
    expect((await stores[0]?.listBySender('U0SENDER', 10))?.length).toBe(5);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('applies a next version to a database in use, once, with its data step run over the relays', async () => {
    const db = await database();
    const store = await openPostgresStore({ url: db.url, ...settings });
    const record = makeRecord({ recipients: ['FSUID_A', 'FSUID_B', 'FSUID_C'] });
    await store.create(record);
    const next = [...MIGRATIONS, NEXT];
    const [first, second] = await Promise.all([migrate(pool(db), next), migrate(pool(db), next)]);
    expect([first, second].sort()).toEqual([[], [NEXT.version]]);
    const { rows } = await db.query('SELECT recipient_count FROM fxb_relays WHERE id = $1', [record.id]);
    expect(rows).toEqual([{ recipient_count: 3 }]);
    expect(await store.findById(record.id)).toStrictEqual(record);
    await store.close();
  });

  it('rolls a failing migration back whole: the database stays at the version before it', async () => {
    const db = await database();
    await migrate(pool(db));
    const broken: Migration = {
      version: LATEST + 1,
      name: 'test: fails half way',
      up: 'CREATE TABLE fxb_half_done (id int); SELECT 1 / 0;',
    };
    const error = await rejectionOf(migrate(pool(db), [...MIGRATIONS, broken]));
    expect(String(error)).toMatch(/division by zero/);
    expect(await schemaVersionOf(pool(db))).toBe(LATEST);
    expect(await tables(db)).not.toContain('fxb_half_done');
  });

  it('refuses a database a newer build has migrated further, saying so', async () => {
    const db = await database();
    await migrate(pool(db));
    await db.query("INSERT INTO fxb_schema_migrations (version, name) VALUES (99, 'from the future')");
    const error = await rejectionOf(openPostgresStore({ url: db.url, ...settings }));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(
      /schema is at version 99, newer than this build understands/,
    );
  });
});
