/**
 * The Fxiaoke rate budget shared by every process on one SQLite file: a receiver and its forked
 * worker (RELAY_WORKERS=fork), and whichever process starts after one was killed, which finds the
 * calls its predecessor made in the last window. Each endpoint's grants are rows of `rate_grants`
 * (one per call, at the time it counts from); a penalty lives in `rate_state` (migration 5).
 *
 * The counting rules are the PostgreSQL limiter's (postgres/rate-limiter.ts) and the in-process
 * one's: a window of grants, a paused endpoint waits, a penalty halves the budget once per pause
 * and a tenth of it is regained per window; a finished call's slot counts from its end. Deciding
 * is one IMMEDIATE transaction (the file's write lock), so two processes can never both take an
 * endpoint's last slot. Times are the host's clock: the processes sharing a local file share it.
 *
 * Its own connection, like the store's with a `busy_timeout` of 0: a decision that meets
 * another process's write lock waits in a LockWaitQueue (lock-wait.ts), never inside
 * SQLite with the event loop frozen. Rows clean up after themselves as in PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { FxiaokeSharedStateError } from '../fxiaoke/errors.js';
import {
  type Decision,
  type EffectiveBudget,
  QueuedRateLimiter,
  RateLimiterClosedError,
  type RateLimiterOptions,
} from '../fxiaoke/rate-limiter.js';
import { LockWaitQueue } from './lock-wait.js';
import { migrate } from './sqlite-migrations.js';
import { sqliteOpenError } from './sqlite-open-error.js';
import { isLockError, SERVING_BUSY_TIMEOUT_MS } from './sqlite-store.js';

export interface SqliteRateLimiterOptions extends RateLimiterOptions {
  /** The store's file (a file: `:memory:` would be a database of this connection alone). */
  path: string;
  /** How long opening may wait synchronously for another process's lock (start-up only). Default 10 s. */
  openTimeoutMs?: number;
}

interface StateRow {
  paused_until: number;
  cap: number;
  since: number;
}

export class SqliteRateLimiter extends QueuedRateLimiter {
  readonly #db: Database.Database;
  readonly #locks = new LockWaitQueue({ isLocked: isLockError });
  readonly #decide: Database.Transaction<(path: string, budget: EffectiveBudget) => Decision>;
  readonly #finish: Database.Statement<[string, string, number]>;
  readonly #penalize: Database.Transaction<(path: string, untilMs: number, budget: EffectiveBudget) => void>;

  constructor(options: SqliteRateLimiterOptions) {
    super(options);
    const { path } = options;
    try {
      this.#db = new Database(path);
    } catch (error) {
      throw sqliteOpenError(path, error);
    }
    const db = this.#db;
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.openTimeoutMs ?? 10_000))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // The store has migrated the file when the bridge opens this; on its own (tests) it migrates.
      migrate(db);
      db.pragma(`busy_timeout = ${SERVING_BUSY_TIMEOUT_MS}`);
    } catch (error) {
      db.close();
      throw sqliteOpenError(path, error);
    }

    const prune = db.prepare<[string, number]>('DELETE FROM rate_grants WHERE path = ? AND at <= ?');
    const readState = db.prepare<[string], StateRow>(
      'SELECT paused_until, cap, since FROM rate_state WHERE path = ?',
    );
    const dropState = db.prepare<[string]>('DELETE FROM rate_state WHERE path = ?');
    const grants = db
      .prepare<[string], number>('SELECT at FROM rate_grants WHERE path = ? ORDER BY at')
      .pluck();
    const insert = db.prepare<[string, string, number]>(
      'INSERT INTO rate_grants (path, slot, at) VALUES (?, ?, ?)',
    );
    const writeState = db.prepare<[string, number, number, number]>(
      `INSERT INTO rate_state (path, paused_until, cap, since) VALUES (?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET paused_until = excluded.paused_until, cap = excluded.cap, since = excluded.since`,
    );
    this.#finish = db.prepare(
      `INSERT INTO rate_grants (path, slot, at) VALUES (?, ?, ?)
       ON CONFLICT (path, slot) DO UPDATE SET at = excluded.at`,
    );

    this.#decide = db.transaction((path: string, budget: EffectiveBudget): Decision => {
      // Read once the write lock is held, like PostgreSQL's clock_timestamp() after its lock.
      const now = this.clock();
      prune.run(path, now - budget.windowMs);
      const state = readState.get(path);
      if (state && now < state.paused_until) {
        return { go: false, waitMs: Math.max(1, Math.ceil(state.paused_until - now)) };
      }
      const cap = capOf(state, budget, now);
      if (state && cap >= budget.calls) dropState.run(path);
      const live = grants.all(path);
      if (live.length < cap) {
        const slot = randomUUID();
        insert.run(path, slot, now);
        return { go: true, at: now, slot };
      }
      // Fewer than `cap` remain once the grant `cap` places from the newest leaves the window.
      const edge = live[live.length - cap] ?? now;
      return { go: false, waitMs: Math.max(1, Math.ceil(edge + budget.windowMs - now)) };
    });

    this.#penalize = db.transaction((path: string, untilMs: number, budget: EffectiveBudget): void => {
      const now = this.clock();
      const state = readState.get(path);
      let paused = state?.paused_until ?? Number.NEGATIVE_INFINITY;
      let cap = capOf(state, budget, now);
      let since = state?.since ?? now;
      // Several calls of one burst are refused together: lower the budget once per pause, not per call.
      if (now >= paused) {
        cap = Math.max(1, Math.floor(cap / 2));
        since = now;
      }
      paused = Math.max(paused, untilMs);
      writeState.run(path, paused, cap, since);
    });
  }

  override async close(): Promise<void> {
    await super.close();
    this.#locks.close(() => new RateLimiterClosedError());
    if (this.#db.open) this.#db.close();
  }

  protected decide(path: string, budget: EffectiveBudget): Promise<Decision> {
    return this.#write(() => this.#decide.immediate(path, budget));
  }

  /** The call is over: its slot counts from now, added back if it outlasted a window and was deleted. */
  protected async finish(path: string, slot: string): Promise<void> {
    await this.#write(() => this.#finish.run(path, slot, this.clock()));
  }

  /** Pauses the endpoint for every process on the file (never shortening a pause); halves its budget once per pause. */
  async penalize(path: string, untilMs: number): Promise<void> {
    const budget = this.budgetFor(path);
    await this.#write(() => this.#penalize.immediate(path, untilMs, budget));
  }

  async #write<T>(operation: () => T): Promise<T> {
    try {
      return await this.#locks.write(operation);
    } catch (error) {
      if (error instanceof RateLimiterClosedError) throw error;
      throw new FxiaokeSharedStateError(
        `The shared Fxiaoke rate limit (SQLite) failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}

/** The budget now: lowered by a penalty, regained by `step` per window since. */
function capOf(state: StateRow | undefined, budget: EffectiveBudget, now: number): number {
  if (!state) return budget.calls;
  return Math.min(budget.calls, state.cap + Math.floor((now - state.since) / budget.windowMs) * budget.step);
}
