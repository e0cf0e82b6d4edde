/**
 * The SQLite store's schema history and how it is applied (PRAGMA user_version), apart from the
 * store itself. Record changes go through record-migration.ts, shared with the other stores.
 */
import type Database from 'better-sqlite3';
import type { RelayRecord } from '../relay/types.js';
import { StoreError } from './errors.js';
import { migrateRecord } from './record-migration.js';

/** SQL to run, or a step that needs code (rewriting records); either runs inside the migration's transaction. */
export type Migration = string | ((db: Database.Database) => void);

/**
 * Schema history, oldest first; entry N brings the file to `user_version` N + 1. Append only:
 * never edit an entry once released, since deployed files have already run it.
 */
export const MIGRATIONS: readonly Migration[] = [
  // The columns exist for uniqueness and lookups; `record` (JSON) is the source of truth.
  // NULL slack parts never collide in the unique index, so relays without a receipt coexist.
  `CREATE TABLE relays (
    id TEXT NOT NULL PRIMARY KEY,
    request_key TEXT NOT NULL UNIQUE,
    team_id TEXT,
    channel_id TEXT,
    ts TEXT,
    sender_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    record TEXT NOT NULL
  );
  CREATE UNIQUE INDEX relays_slack_message ON relays (team_id, channel_id, ts);
  CREATE INDEX relays_sender_created ON relays (sender_id, created_at DESC, id DESC);
  CREATE INDEX relays_status ON relays (status);
  CREATE INDEX relays_created ON relays (created_at);`,
  // 2: typed held statuses and the relay's source, indexed by the Slack message it relays.
  (db) => {
    db.exec(`ALTER TABLE relays ADD COLUMN source_team_id TEXT;
      ALTER TABLE relays ADD COLUMN source_channel_id TEXT;
      ALTER TABLE relays ADD COLUMN source_ts TEXT;
      CREATE INDEX relays_source ON relays (source_team_id, source_channel_id, source_ts, created_at, id);`);
    migrateRecords(db);
  },
  // 3: answers owed to senders (`owed`), found by takeovers; no record had one before.
  `ALTER TABLE relays ADD COLUMN owed_since INTEGER;
  CREATE INDEX relays_owed ON relays (created_at, id) WHERE owed_since IS NOT NULL;`,
  // 4: installations (install mode), secrets sealed inside `record`; one-time OAuth state nonces.
  `CREATE TABLE installations (
    key TEXT NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    record TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE used_once (
    nonce TEXT NOT NULL PRIMARY KEY,
    until INTEGER NOT NULL
  );
  CREATE INDEX used_once_until ON used_once (until);`,
  // 5: the Fxiaoke rate budget shared by the processes on this file (sqlite-rate-limiter.ts):
  // a row per call counted (ms on the host's clock), and an endpoint's penalty.
  `CREATE TABLE rate_grants (
    path TEXT NOT NULL,
    slot TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (path, slot)
  );
  CREATE INDEX rate_grants_at ON rate_grants (path, at);
  CREATE TABLE rate_state (
    path TEXT NOT NULL PRIMARY KEY,
    paused_until REAL NOT NULL,
    cap INTEGER NOT NULL,
    since REAL NOT NULL
  );`,
  // 6: settings edited in Slack (settings/port.ts): a scope's overrides with their version, and
  // the append-only audit list of who changed what (newest first by id).
  `CREATE TABLE settings (
    scope TEXT NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    overrides TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE settings_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    at INTEGER NOT NULL,
    entry TEXT NOT NULL
  );
  CREATE INDEX settings_audit_scope ON settings_audit (scope, id);`,
];

/** Rewrites every record the record migration changes, a page at a time (by id). */
function migrateRecords(db: Database.Database): void {
  const page = db.prepare<[string], { id: string; record: string }>(
    'SELECT id, record FROM relays WHERE id > ? ORDER BY id LIMIT 500',
  );
  const rewrite = db.prepare<[SourceColumns & { id: string; status: string; record: string }]>(
    `UPDATE relays SET status = @status, source_team_id = @sourceTeamId,
       source_channel_id = @sourceChannelId, source_ts = @sourceTs, record = @record WHERE id = @id`,
  );
  let after = '';
  for (;;) {
    const rows = page.all(after);
    for (const row of rows) {
      const migrated = migrateRecord(JSON.parse(row.record) as RelayRecord);
      if (!migrated) continue;
      const record = JSON.stringify(migrated);
      rewrite.run({ id: row.id, status: migrated.status, record, ...sourceColumns(migrated) });
    }
    const last = rows.at(-1);
    if (!last) return;
    after = last.id;
  }
}

/**
 * Brings the database up to `migrations.length` and returns how many migrations ran. Runs under
 * an immediate (write-locked) transaction so two processes opening a fresh file migrate it once.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const run = db.transaction((): number => {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > migrations.length) {
      throw new StoreError(
        `Database schema version ${current} is newer than this build understands (${migrations.length})`,
      );
    }
    for (const [index, step] of migrations.entries()) {
      if (index < current) continue;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${index + 1}`);
    }
    return migrations.length - current;
  });
  return run.immediate();
}

export interface SourceColumns {
  sourceTeamId: string | null;
  sourceChannelId: string | null;
  sourceTs: string | null;
}

/** The source columns of a record: the Slack message it relays, indexed by `relays_source`. */
export function sourceColumns(record: RelayRecord): SourceColumns {
  const slack = record.source?.slack;
  return {
    sourceTeamId: slack?.teamId ?? null,
    sourceChannelId: slack?.channelId ?? null,
    sourceTs: slack?.ts ?? null,
  };
}
