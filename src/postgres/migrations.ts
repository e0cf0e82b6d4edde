/**
 * The PostgreSQL schema and its history. `migrate` runs at every start, in one transaction under
 * an advisory lock: replicas starting together on an empty database queue on the lock, the first
 * creates everything, the others find it done. A failed migration rolls back whole (PostgreSQL's
 * DDL is transactional), so a database is always at one version of this list.
 *
 * To change the schema, append a migration with the next version; never edit one already
 * released, since deployed databases have run it. A step that must rewrite records can be a
 * function of the transaction's client (as SQLite's version 2 is); test/postgres/migrations.test.ts
 * opens a database at each earlier version and migrates it.
 */
import type pg from 'pg';
import { StoreError } from '../store/errors.js';
import { LOCK_CLASS } from './connection.js';
import { inTransaction } from './transaction.js';

export interface Migration {
  version: number;
  name: string;
  /** SQL (several statements allowed), or a step that needs code; runs inside the transaction. */
  up: string | ((client: pg.ClientBase) => Promise<void>);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'relays, and the Fxiaoke token, rate budget and send limit shared by the replicas',
    // `record` (jsonb) is the source of truth; the columns exist for uniqueness and lookups.
    // NULL Slack parts never collide in the unique index, so relays without a receipt coexist.
    // Times of relays are the bridge's epoch milliseconds (as in the record); the shared limits
    // count on the server's clock (timestamptz), one clock for every replica.
    up: `
      CREATE TABLE fxb_relays (
        id text PRIMARY KEY,
        request_key text NOT NULL UNIQUE,
        team_id text,
        channel_id text,
        ts text,
        sender_id text NOT NULL,
        status text NOT NULL,
        source_team_id text,
        source_channel_id text,
        source_ts text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        record jsonb NOT NULL
      );
      CREATE UNIQUE INDEX fxb_relays_slack_message ON fxb_relays (team_id, channel_id, ts);
      CREATE INDEX fxb_relays_sender ON fxb_relays (sender_id, created_at DESC, id DESC);
      CREATE INDEX fxb_relays_status ON fxb_relays (status, created_at, id);
      CREATE INDEX fxb_relays_created ON fxb_relays (created_at, id);
      CREATE INDEX fxb_relays_source ON fxb_relays (source_team_id, source_channel_id, source_ts, created_at, id)
        WHERE source_ts IS NOT NULL;

      CREATE TABLE fxb_tokens (
        scope text PRIMARY KEY,
        token text NOT NULL,
        value jsonb NOT NULL,
        expires_at timestamptz NOT NULL
      );

      CREATE TABLE fxb_rate_grants (
        path text NOT NULL,
        slot uuid NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (path, slot)
      );
      CREATE INDEX fxb_rate_grants_at ON fxb_rate_grants (path, at);
      CREATE TABLE fxb_rate_state (
        path text PRIMARY KEY,
        paused_until timestamptz NOT NULL,
        cap integer NOT NULL,
        since timestamptz NOT NULL
      );

      CREATE TABLE fxb_send_slots (
        user_id text NOT NULL,
        slot uuid NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (user_id, slot)
      );
      CREATE INDEX fxb_send_slots_at ON fxb_send_slots (at);
    `,
  },
  {
    version: 2,
    name: 'answers owed to senders, found by takeovers',
    // No record had `owed` before this version: the column starts empty.
    up: `
      ALTER TABLE fxb_relays ADD COLUMN owed_since bigint;
      CREATE INDEX fxb_relays_owed ON fxb_relays (created_at, id) WHERE owed_since IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'installations (install mode), their secrets sealed; one-time OAuth state nonces',
    // `record` is text, not jsonb: it is read back whole, never queried into.
    up: `
      CREATE TABLE fxb_installations (
        key text COLLATE "C" PRIMARY KEY,
        version integer NOT NULL,
        record text NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE TABLE fxb_used_once (
        nonce text PRIMARY KEY,
        until bigint NOT NULL
      );
      CREATE INDEX fxb_used_once_until ON fxb_used_once (until);
    `,
  },
  {
    version: 4,
    name: 'settings edited in Slack, per scope, with their version; the audit list of who changed them',
    up: `
      CREATE TABLE fxb_settings (
        scope text PRIMARY KEY,
        version integer NOT NULL,
        overrides text NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE TABLE fxb_settings_audit (
        id bigserial PRIMARY KEY,
        scope text NOT NULL,
        at bigint NOT NULL,
        entry text NOT NULL
      );
      CREATE INDEX fxb_settings_audit_scope ON fxb_settings_audit (scope, id);
    `,
  },
];

/** The table that says which migrations a database has run, one row per version. */
export const MIGRATIONS_TABLE = 'fxb_schema_migrations';

/**
 * Brings the database up to the last of `migrations` and returns the versions it applied (none
 * when it was current). Refuses a database a newer build has migrated further.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    // A large table may take a while to migrate; replicas wait in line for it meanwhile.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext('migrations'))`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const current = await schemaVersionOf(client);
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new StoreError(
        `The PostgreSQL schema is at version ${current}, newer than this build understands (${latest}): ` +
          'run the newer fx-bridge, or restore a backup',
      );
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      if (typeof migration.up === 'string') await client.query(migration.up);
      else await migration.up(client);
      await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** The highest version a database has run; 0 before the first migration. */
export async function schemaVersionOf(client: pg.ClientBase | pg.Pool): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    `SELECT coalesce(max(version), 0)::int AS version FROM ${MIGRATIONS_TABLE}`,
  );
  return rows[0]?.version ?? 0;
}
