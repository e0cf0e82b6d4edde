import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { InstallationStorePort } from '../installs/port.js';
import type { RelayChange, RelayRecord, RelayStatus, SlackMessageRef } from '../relay/types.js';
import { RelayNotFoundError, SlackMessageTakenError, StoreConflictError, StoreError } from './errors.js';
import type { CreateResult, Expectation, RelayStore } from './interface.js';
import { LockWaitQueue } from './lock-wait.js';
import { applyChange, matchesExpected, normalizeLimit, PRUNABLE_STATUSES } from './record-utils.js';
import type { RelayPage, ScannableStore } from './scan.js';
import { SqliteInstallations } from './sqlite-installations.js';
import { migrate, type SourceColumns, sourceColumns } from './sqlite-migrations.js';
import { sqliteOpenError } from './sqlite-open-error.js';
import { SqliteSettings } from './sqlite-settings.js';

export { MIGRATIONS, type Migration, migrate } from './sqlite-migrations.js';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for a private in-memory database. */
  path: string;
  now?: () => number;
  /**
   * How long opening (WAL switch, migrations) may wait synchronously for another process's
   * lock. Start-up only, never a request path. Default 10 s.
   */
  openTimeoutMs?: number;
}

/**
 * `busy_timeout` while serving: the longest SQLite itself may block the event loop on a lock.
 * None: SQLite's busy handler sleeps at least a millisecond (usleep) with the event loop stopped,
 * and beside a relay worker writing the same file that was one write in seven of a receiver's
 * (issue 22). Every wait happens asynchronously in the LockWaitQueue instead (docs/operations.md,
 * "SQLite lock waits").
 */
export const SERVING_BUSY_TIMEOUT_MS = 0;
const DEFAULT_OPEN_TIMEOUT_MS = 10_000;

export function openSqliteStore(options: SqliteStoreOptions): SqliteRelayStore {
  return new SqliteRelayStore(options);
}

interface RowParams extends SourceColumns {
  id: string;
  requestKey: string;
  teamId: string | null;
  channelId: string | null;
  ts: string | null;
  senderId: string;
  status: RelayStatus;
  createdAt: number;
  updatedAt: number;
  owedSince: number | null;
  record: string;
}

type Expected = Expectation | undefined;

export class SqliteRelayStore implements RelayStore, ScannableStore {
  /** How many migrations this open applied (0 when the file was already current). */
  readonly migrationsApplied: number;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #locks = new LockWaitQueue({ isLocked: isLockError });
  #installations: InstallationStorePort | undefined;
  #settings: SqliteSettings | undefined;
  readonly #insert: Database.Statement<[RowParams]>;
  readonly #rewrite: Database.Statement<[RowParams]>;
  readonly #byId: Database.Statement<[string], string>;
  readonly #byRequestKey: Database.Statement<[string], string>;
  readonly #bySlack: Database.Statement<[string, string, string], string>;
  readonly #bySender: Database.Statement<[string, number], string>;
  readonly #recent: Database.Statement<[number], string>;
  readonly #byStatus: Database.Statement<[string, number], string>;
  readonly #bySource: Database.Statement<[string, string, string, number], string>;
  readonly #owed: Database.Statement<[number], string>;
  readonly #prune: Database.Statement<[number, string]>;
  readonly #ping: Database.Statement<[], number>;
  readonly #page: Database.Statement<[number, number], { rowid: number; record: string }>;
  readonly #count: Database.Statement<[], number>;
  readonly #create: Database.Transaction<(record: RelayRecord) => CreateResult>;
  readonly #update: Database.Transaction<
    (id: string, change: RelayChange, expected: Expected) => RelayRecord
  >;

  constructor(options: SqliteStoreOptions) {
    const { path } = options;
    this.#now = options.now ?? Date.now;
    try {
      if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
    } catch (error) {
      throw sqliteOpenError(path, error);
    }
    const db = this.#db;
    const openTimeoutMs = options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    try {
      // busy_timeout first, so the journal-mode switch and migrations wait for other processes.
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(openTimeoutMs))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      this.migrationsApplied = migrate(db);
      db.pragma(`busy_timeout = ${SERVING_BUSY_TIMEOUT_MS}`);
    } catch (error) {
      db.close();
      if (isLockError(error)) {
        throw new StoreError(
          `SQLite file ${path} stayed locked by another process for ${openTimeoutMs} ms while opening`,
          { cause: error },
        );
      }
      throw sqliteOpenError(path, error);
    }

    const columns =
      'id, request_key, team_id, channel_id, ts, sender_id, status, created_at, updated_at, record, ' +
      'source_team_id, source_channel_id, source_ts, owed_since';
    const values =
      '@id, @requestKey, @teamId, @channelId, @ts, @senderId, @status, @createdAt, @updatedAt, @record, ' +
      '@sourceTeamId, @sourceChannelId, @sourceTs, @owedSince';
    this.#insert = db.prepare(`INSERT INTO relays (${columns}) VALUES (${values}) ON CONFLICT DO NOTHING`);
    this.#rewrite = db.prepare(
      `UPDATE relays SET team_id = @teamId, channel_id = @channelId, ts = @ts, status = @status,
         updated_at = @updatedAt, owed_since = @owedSince, record = @record WHERE id = @id`,
    );
    this.#byId = db.prepare<[string], string>('SELECT record FROM relays WHERE id = ?').pluck();
    this.#byRequestKey = db
      .prepare<[string], string>('SELECT record FROM relays WHERE request_key = ?')
      .pluck();
    this.#bySlack = db
      .prepare<[string, string, string], string>(
        'SELECT record FROM relays WHERE team_id = ? AND channel_id = ? AND ts = ?',
      )
      .pluck();
    this.#bySender = db
      .prepare<[string, number], string>(
        'SELECT record FROM relays WHERE sender_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
      )
      .pluck();
    this.#recent = db
      .prepare<[number], string>('SELECT record FROM relays ORDER BY created_at DESC, id DESC LIMIT ?')
      .pluck();
    // One statement for any set of statuses: the set arrives as a JSON array.
    this.#byStatus = db
      .prepare<[string, number], string>(
        `SELECT record FROM relays WHERE status IN (SELECT value FROM json_each(?))
         ORDER BY created_at, id LIMIT ?`,
      )
      .pluck();
    this.#owed = db
      .prepare<[number], string>(
        'SELECT record FROM relays WHERE owed_since IS NOT NULL ORDER BY created_at, id LIMIT ?',
      )
      .pluck();
    this.#bySource = db
      .prepare<[string, string, string, number], string>(
        `SELECT record FROM relays WHERE source_team_id = ? AND source_channel_id = ? AND source_ts = ?
         ORDER BY created_at, id LIMIT ?`,
      )
      .pluck();
    // relays_created narrows by age; the status filter then runs over those rows only.
    this.#prune = db.prepare<[number, string]>(
      'DELETE FROM relays WHERE created_at < ? AND status IN (SELECT value FROM json_each(?))',
    );
    this.#ping = db.prepare<[], number>('SELECT 1').pluck();
    // `store copy` reads in rowid order: the table's own order, so a page costs a range read.
    this.#page = db.prepare('SELECT rowid, record FROM relays WHERE rowid > ? ORDER BY rowid LIMIT ?');
    this.#count = db.prepare<[], number>('SELECT count(*) FROM relays').pluck();

    this.#create = db.transaction((record: RelayRecord): CreateResult => {
      const stored = parseRecord(JSON.stringify(record));
      if (this.#insert.run(toRow(stored)).changes === 1) return { created: true, record: stored };
      const existing = this.#byRequestKey.get(record.requestKey) ?? this.#findSlack(record.slack);
      if (existing !== undefined) return { created: false, existing: parseRecord(existing) };
      // Ids are generated, so a clash is a bug in the caller, not a duplicate delivery.
      throw new StoreError(`A relay with id ${record.id} already exists under another request key`);
    });

    this.#update = db.transaction((id: string, change: RelayChange, expected: Expected): RelayRecord => {
      const json = this.#byId.get(id);
      if (json === undefined) throw new RelayNotFoundError(id);
      const current = parseRecord(json);
      if (!matchesExpected(current, expected)) throw new StoreConflictError(current);
      const next = parseRecord(JSON.stringify(applyChange(current, change, this.#now())));
      try {
        this.#rewrite.run(toRow(next));
      } catch (error) {
        const owner = isUniqueViolation(error) ? this.#findSlack(next.slack) : undefined;
        if (owner !== undefined) throw new SlackMessageTakenError(parseRecord(owner));
        throw error;
      }
      return next;
    });
  }

  /** The `user_version` of the open file: how many migrations it has run, ever. */
  schemaVersion(): number {
    if (!this.#db.open) throw closedError();
    return Number(this.#db.pragma('user_version', { simple: true }));
  }

  async create(record: RelayRecord): Promise<CreateResult> {
    // Immediate: take the write lock before reading, so another process can't slip in between.
    return this.#write(() => this.#create.immediate(record));
  }

  async findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined> {
    return this.#read(() => parseOptional(this.#findSlack(ref)));
  }

  async findById(id: string): Promise<RelayRecord | undefined> {
    return this.#read(() => parseOptional(this.#byId.get(id)));
  }

  async findByRequestKey(requestKey: string): Promise<RelayRecord | undefined> {
    return this.#read(() => parseOptional(this.#byRequestKey.get(requestKey)));
  }

  async update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord> {
    // Immediate, because a deferred read-then-write fails with SQLITE_BUSY (no retry) under WAL.
    return this.#write(() => this.#update.immediate(id, change, expected));
  }

  async listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    if (count === 0) return [];
    return this.#read(() => this.#bySender.all(slackUserId, count).map(parseRecord));
  }

  async listRecent(limit: number): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    if (count === 0) return [];
    return this.#read(() => this.#recent.all(count).map(parseRecord));
  }

  async listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    if (count === 0) return [];
    return this.#read(() => this.#bySource.all(ref.teamId, ref.channelId, ref.ts, count).map(parseRecord));
  }

  async listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    if (count === 0 || statuses.length === 0) return [];
    return this.#read(() => this.#byStatus.all(JSON.stringify(statuses), count).map(parseRecord));
  }

  async listOwed(limit: number): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    if (count === 0) return [];
    return this.#read(() => this.#owed.all(count).map(parseRecord));
  }

  async prune(olderThan: number): Promise<number> {
    // NaN would bind as NULL and match nothing anyway; saying so keeps all stores visibly alike.
    if (Number.isNaN(olderThan)) return 0;
    return this.#write(() => this.#prune.run(olderThan, JSON.stringify(PRUNABLE_STATUSES)).changes);
  }

  async ping(): Promise<void> {
    await this.#read(() => this.#ping.get());
  }

  /** ScannableStore (store/scan.ts): the cursor is the last rowid read. */
  async scan(cursor: string | undefined, limit: number): Promise<RelayPage> {
    const after = cursor === undefined ? 0 : Number(cursor);
    const rows = await this.#read(() => this.#page.all(after, Math.max(1, normalizeLimit(limit))));
    const last = rows.at(-1);
    return {
      records: rows.map((row) => parseRecord(row.record)),
      next: last ? String(last.rowid) : undefined,
    };
  }

  async count(): Promise<number> {
    return this.#read(() => this.#count.get() ?? 0);
  }

  /** The file's installations (install mode), through this store's lock queue. */
  get installations(): InstallationStorePort {
    this.#installations ??= new SqliteInstallations({
      db: this.#db,
      read: (operation) => this.#read(operation),
      write: (operation) => this.#write(operation),
      now: this.#now,
    });
    return this.#installations;
  }

  /** Settings edited in Slack and their audit list (settings/port.ts), through the lock queue. */
  get settingsOverrides(): SqliteSettings {
    this.#settings ??= new SqliteSettings({
      db: this.#db,
      read: (operation) => this.#read(operation),
      write: (operation) => this.#write(operation),
      now: this.#now,
    });
    return this.#settings;
  }

  /** Rejects every operation still waiting for a lock, then closes the file. */
  async close(): Promise<void> {
    this.#locks.close(closedError);
    if (this.#db.open) this.#db.close();
  }

  #findSlack(ref: SlackMessageRef | undefined): string | undefined {
    return ref ? this.#bySlack.get(ref.teamId, ref.channelId, ref.ts) : undefined;
  }

  /** A write: lands after every earlier write of this store, waiting (asynchronously) for locks. */
  #write<T>(operation: () => T): Promise<T> {
    if (!this.#db.open) return Promise.reject(closedError());
    return this.#locks.write(operation).catch(wrapError);
  }

  /** A read: runs now (WAL readers do not wait for writers); retried later only if locked. */
  #read<T>(operation: () => T): Promise<T> {
    if (!this.#db.open) return Promise.reject(closedError());
    return this.#locks.read(operation).catch(wrapError);
  }
}

function closedError(): StoreError {
  return new StoreError('The SQLite store is closed');
}

/** Callers can rely on every failure being a StoreError; SQLite's own error stays as the cause. */
function wrapError(error: unknown): never {
  if (error instanceof StoreError) throw error;
  const detail = error instanceof Error ? error.message : String(error);
  throw new StoreError(`SQLite store failed: ${detail}`, { cause: error });
}

/** SQLITE_BUSY and SQLITE_LOCKED with their extended codes (SQLITE_BUSY_RECOVERY, …). */
export function isLockError(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'))
  );
}

function toRow(record: RelayRecord): RowParams {
  return {
    id: record.id,
    requestKey: record.requestKey,
    teamId: record.slack?.teamId ?? null,
    channelId: record.slack?.channelId ?? null,
    ts: record.slack?.ts ?? null,
    senderId: record.senderId,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    owedSince: record.owed?.since ?? null,
    record: JSON.stringify(record),
    ...sourceColumns(record),
  };
}

function parseRecord(json: string): RelayRecord {
  return JSON.parse(json) as RelayRecord;
}

function parseOptional(json: string | undefined): RelayRecord | undefined {
  return json === undefined ? undefined : parseRecord(json);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
