import type pg from 'pg';
import type { InstallationStorePort } from '../installs/port.js';
import type { RelayChange, RelayRecord, RelayStatus, SlackMessageRef } from '../relay/types.js';
import {
  RelayNotFoundError,
  SlackMessageTakenError,
  StoreConflictError,
  StoreError,
} from '../store/errors.js';
import type { CreateResult, Expectation, RelayStore } from '../store/interface.js';
import { applyChange, matchesExpected, normalizeLimit, PRUNABLE_STATUSES } from '../store/record-utils.js';
import type { RelayPage, ScannableStore } from '../store/scan.js';
import { openPool, type PostgresSettings, type PostgresTarget } from './connection.js';
import { isUniqueViolation, storeFailure } from './failures.js';
import { PostgresInstallations } from './installations.js';
import { toJsonb } from './jsonb.js';
import { migrate } from './migrations.js';
import { COLUMNS, parseCursor, parseRecord, rowOf } from './relay-rows.js';
import { PostgresSettingsStore } from './settings.js';
import { againIfConnectionLost, inTransaction } from './transaction.js';

export interface PostgresStoreOptions extends PostgresSettings {
  /** `postgres://user:password@host:5432/db[?sslmode=require]` (or `postgresql://`). */
  url: string;
  now?: () => number;
}

/** Relays deleted per statement while pruning, so no prune holds many rows locked at once. */
const PRUNE_PAGE = 1_000;
/** Rounds a create or update gets when the row it collided with vanished before it could read it. */
const MAX_ATTEMPTS = 5;

/**
 * Connects (failing at start on a wrong URL, password or database), migrates the schema under an
 * advisory lock (migrations.ts), and only then hands out the store.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresRelayStore> {
  const { pool, target } = await openPool(options.url, options);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw storeFailure(error, target.secrets);
  }
  return new PostgresRelayStore(pool, target, options.now);
}

/**
 * RelayStore on PostgreSQL, for several replicas sharing one map. Uniqueness is the indexes'
 * (request key; team, channel and ts of the Slack message); a create that meets one of them is
 * answered with the relay that holds it. An update locks its row (`SELECT … FOR UPDATE`), checks
 * the expectation and merges the change with the same helpers as the other stores, and writes,
 * all in one transaction: concurrent compare-and-sets on one relay take turns, on different
 * relays they do not wait for each other.
 */
export class PostgresRelayStore implements RelayStore, ScannableStore {
  readonly #pool: pg.Pool;
  readonly #target: PostgresTarget;
  readonly #now: () => number;
  #closing: Promise<void> | undefined;
  #installations: InstallationStorePort | undefined;
  #settings: PostgresSettingsStore | undefined;

  constructor(pool: pg.Pool, target: PostgresTarget, now: () => number = Date.now) {
    this.#pool = pool;
    this.#target = target;
    this.#now = now;
  }

  /** The pool, for the migration tests and `store copy`; callers must not end it. */
  get pool(): pg.Pool {
    return this.#pool;
  }

  /** Install mode's installations, in the same database (postgres/installations.ts). */
  get installations(): InstallationStorePort {
    this.#installations ??= new PostgresInstallations(
      this.#pool,
      (operation) => this.#run(operation),
      this.#now,
    );
    return this.#installations;
  }

  /** Settings edited in Slack and their audit list, in the same database (postgres/settings.ts). */
  get settingsOverrides(): PostgresSettingsStore {
    this.#settings ??= new PostgresSettingsStore(this.#pool, (operation) => this.#run(operation), this.#now);
    return this.#settings;
  }

  async create(record: RelayRecord): Promise<CreateResult> {
    const stored = parseRecord(toJsonb(record));
    return this.#run(async () => {
      // Set when an insert's connection was lost: it may have landed before the next try.
      let uncertain = false;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const inserted = await againIfConnectionLost(() => {
          return this.#pool
            .query(
              `INSERT INTO fxb_relays (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT DO NOTHING`,
              rowOf(stored),
            )
            .catch((error: unknown) => {
              uncertain = true;
              throw error;
            });
        });
        if (inserted.rowCount === 1) return { created: true, record: stored };
        const existing =
          (await this.#one('SELECT record FROM fxb_relays WHERE request_key = $1', [record.requestKey])) ??
          (record.slack ? await this.findBySlackMessage(record.slack) : undefined);
        // An earlier try whose answer was lost with its connection did land: this is that record.
        if (existing && uncertain && existing.id === record.id) return { created: true, record: existing };
        if (existing) return { created: false, existing };
        if (await this.#one('SELECT record FROM fxb_relays WHERE id = $1', [record.id])) {
          // Ids are generated, so a clash is a bug in the caller, not a duplicate delivery.
          throw new StoreError(`A relay with id ${record.id} already exists under another request key`);
        }
        // The relay it collided with was pruned meanwhile: the key is free now, try again.
      }
      throw new StoreError(`Relay ${record.id} kept colliding with relays that vanished`);
    });
  }

  async findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined> {
    return this.#run(() =>
      this.#one('SELECT record FROM fxb_relays WHERE team_id = $1 AND channel_id = $2 AND ts = $3', [
        ref.teamId,
        ref.channelId,
        ref.ts,
      ]),
    );
  }

  async findById(id: string): Promise<RelayRecord | undefined> {
    return this.#run(() => this.#one('SELECT record FROM fxb_relays WHERE id = $1', [id]));
  }

  async findByRequestKey(requestKey: string): Promise<RelayRecord | undefined> {
    return this.#run(() => this.#one('SELECT record FROM fxb_relays WHERE request_key = $1', [requestKey]));
  }

  async update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord> {
    return this.#run(async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const outcome = await this.#updateOnce(id, change, expected);
        if ('record' in outcome) return outcome.record;
        // The Slack message is another relay's: say whose, unless that relay is gone by now.
        const owner = await this.findBySlackMessage(outcome.taken);
        if (owner && owner.id !== id) throw new SlackMessageTakenError(owner);
      }
      throw new StoreError(`Relay ${id} kept meeting a Slack message that changed hands`);
    });
  }

  async listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]> {
    return this.#list('WHERE sender_id = $2 ORDER BY created_at DESC, id DESC', limit, [slackUserId]);
  }

  async listRecent(limit: number): Promise<RelayRecord[]> {
    return this.#list('ORDER BY created_at DESC, id DESC', limit, []);
  }

  async listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]> {
    return this.#list(
      `WHERE source_team_id = $2 AND source_channel_id = $3 AND source_ts = $4 ORDER BY created_at, id`,
      limit,
      [ref.teamId, ref.channelId, ref.ts],
    );
  }

  async listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]> {
    if (statuses.length === 0) return this.#run(async () => []);
    return this.#list('WHERE status = ANY($2) ORDER BY created_at, id', limit, [[...new Set(statuses)]]);
  }

  async listOwed(limit: number): Promise<RelayRecord[]> {
    return this.#list('WHERE owed_since IS NOT NULL ORDER BY created_at, id', limit, []);
  }

  /**
   * Deletes a page at a time. Rows another transaction holds (a relay being updated right now)
   * are skipped, not waited for: they are judged again at the next prune.
   */
  async prune(olderThan: number): Promise<number> {
    return this.#run(async () => {
      if (Number.isNaN(olderThan)) return 0;
      let deleted = 0;
      for (;;) {
        const page = await this.#pool.query(
          `DELETE FROM fxb_relays WHERE id IN (
             SELECT id FROM fxb_relays WHERE created_at < $1::float8 AND status = ANY($2)
             ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
          [olderThan, PRUNABLE_STATUSES, PRUNE_PAGE],
        );
        deleted += page.rowCount ?? 0;
        if ((page.rowCount ?? 0) < PRUNE_PAGE) return deleted;
      }
    });
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#pool.query('SELECT 1'));
  }

  /** ScannableStore (store/scan.ts): in (created_at, id) order, the cursor is the last pair read. */
  async scan(cursor: string | undefined, limit: number): Promise<RelayPage> {
    const [createdAt, id] = cursor === undefined ? [-1, ''] : parseCursor(cursor);
    const count = Math.max(1, normalizeLimit(limit));
    return this.#run(async () => {
      const { rows } = await againIfConnectionLost(() =>
        this.#pool.query<{ created_at: string; id: string; record: RelayRecord }>(
          `SELECT created_at, id, record FROM fxb_relays WHERE (created_at, id) > ($1, $2)
           ORDER BY created_at, id LIMIT $3`,
          [createdAt, id, count],
        ),
      );
      const last = rows.at(-1);
      return {
        records: rows.map((row) => row.record),
        next: last ? `${last.created_at}:${last.id}` : undefined,
      };
    });
  }

  async count(): Promise<number> {
    return this.#run(async () => {
      const { rows } = await this.#pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fxb_relays');
      return rows[0]?.n ?? 0;
    });
  }

  async close(): Promise<void> {
    this.#closing ??= this.#pool.end().catch(() => undefined);
    await this.#closing;
  }

  /** One locked read-check-write; `taken` when the new Slack message belongs to another relay. */
  async #updateOnce(
    id: string,
    change: RelayChange,
    expected: Expectation | undefined,
  ): Promise<{ record: RelayRecord } | { taken: SlackMessageRef }> {
    let next: RelayRecord | undefined;
    try {
      return await inTransaction(this.#pool, async (client) => {
        const { rows } = await client.query<{ record: RelayRecord }>(
          'SELECT record FROM fxb_relays WHERE id = $1 FOR UPDATE',
          [id],
        );
        const current = rows[0]?.record;
        if (!current) throw new RelayNotFoundError(id);
        if (!matchesExpected(current, expected)) throw new StoreConflictError(current);
        const json = toJsonb(applyChange(current, change, this.#now()));
        next = parseRecord(json);
        await client.query(
          `UPDATE fxb_relays SET team_id = $2, channel_id = $3, ts = $4, status = $5, updated_at = $6,
             record = $7, owed_since = $8 WHERE id = $1`,
          [
            id,
            next.slack?.teamId ?? null,
            next.slack?.channelId ?? null,
            next.slack?.ts ?? null,
            next.status,
            Math.floor(next.updatedAt),
            json,
            next.owed ? Math.floor(next.owed.since) : null,
          ],
        );
        return { record: next };
      });
    } catch (error) {
      if (isUniqueViolation(error) && next?.slack) return { taken: next.slack };
      throw error;
    }
  }

  /** A read: repeated on a new connection if the one it had was lost (reads are safe to repeat). */
  async #one(sql: string, params: unknown[]): Promise<RelayRecord | undefined> {
    const { rows } = await againIfConnectionLost(() =>
      this.#pool.query<{ record: RelayRecord }>(sql, params),
    );
    return rows[0]?.record;
  }

  /** `SELECT record … <tail> LIMIT $1`: the tail numbers its own parameters from $2. */
  async #list(tail: string, limit: number, params: unknown[]): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    return this.#run(async () => {
      if (count === 0) return [];
      const { rows } = await againIfConnectionLost(() =>
        this.#pool.query<{ record: RelayRecord }>(`SELECT record FROM fxb_relays ${tail} LIMIT $1`, [
          count,
          ...params,
        ]),
      );
      return rows.map((row) => row.record);
    });
  }

  /** Callers can rely on every failure being a StoreError; pg's error stays as the cause. */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing) throw new StoreError('The PostgreSQL store is closed');
    try {
      return await operation();
    } catch (error) {
      throw storeFailure(error, this.#target.secrets);
    }
  }
}
