/**
 * The Fxiaoke rate budget shared by every replica through PostgreSQL. Each endpoint's grants are
 * rows of `fxb_rate_grants` (one per call, at the time it counts from); a penalty lives in
 * `fxb_rate_state`. Deciding takes a transaction-scoped advisory lock on the endpoint, so the
 * replicas decide for one endpoint in turn and two of them can never both take its last slot;
 * endpoints do not wait for each other. Every time is the server's clock (`clock_timestamp()`,
 * read after the lock is held), never a replica's.
 *
 * The counting rules are those of the other limiters (fxiaoke/rate-limiter.ts): a window of
 * grants, a paused endpoint waits, a penalty halves the budget once per pause and a tenth of it is
 * regained per window. Rows clean up after themselves: a decision deletes its endpoint's grants
 * that left the window, and a state whose budget is regained.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { FxiaokeSharedStateError } from '../fxiaoke/errors.js';
import {
  type Decision,
  type EffectiveBudget,
  QueuedRateLimiter,
  type RateLimiterOptions,
} from '../fxiaoke/rate-limiter.js';
import { LOCK_CLASS } from './connection.js';
import { isUnavailable, redact } from './failures.js';
import { inTransaction } from './transaction.js';

export interface PostgresRateLimiterOptions extends RateLimiterOptions {
  /** The limiter does not end it (its owner does). */
  pool: pg.Pool;
  /** Strings cut out of error messages (the URL and password). */
  secrets?: readonly string[];
  /**
   * While the database cannot be reached, a decision is tried again for up to this long (default
   * 30 s) before its waiters fail: a restart or failover of the database delays calls of relays
   * already taken instead of failing them, as Redis's client holds its commands while it reconnects.
   */
  outageWaitMs?: number;
}

/** Default of `outageWaitMs`. */
const OUTAGE_WAIT_MS = 30_000;
/** Pauses between decisions tried again during an outage: quick at first, then every second. */
const OUTAGE_RETRY_MS = [100, 200, 400, 800, 1_000];

/** Epoch milliseconds (with microseconds) of a timestamptz, as float8 so pg hands over a number. */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** The endpoint's penalty state and live grants, read once its lock is held; $1 path, $2 window ms. */
const READ = `
  WITH clock AS (SELECT clock_timestamp() AS now)
  SELECT ${ms('clock.now')} AS now,
         ${ms('state.paused_until')} AS paused_until, state.cap, ${ms('state.since')} AS since,
         ARRAY(SELECT ${ms('grants.at')} FROM fxb_rate_grants grants
               WHERE grants.path = $1 AND grants.at > clock.now - $2 * interval '1 millisecond'
               ORDER BY grants.at) AS grants
  FROM clock LEFT JOIN fxb_rate_state state ON state.path = $1`;

interface PathRow {
  now: number;
  paused_until: number | null;
  cap: number | null;
  since: number | null;
  grants: number[];
}

export class PostgresRateLimiter extends QueuedRateLimiter {
  readonly #pool: pg.Pool;
  readonly #secrets: readonly string[];
  readonly #outageWaitMs: number;
  #closed = false;

  constructor(options: PostgresRateLimiterOptions) {
    // The local clock only measures waits and converts penalties to durations; the server keeps the time.
    super({ ...options, now: options.now ?? Date.now });
    this.#pool = options.pool;
    this.#secrets = options.secrets ?? [];
    this.#outageWaitMs = options.outageWaitMs ?? OUTAGE_WAIT_MS;
  }

  override async close(): Promise<void> {
    this.#closed = true;
    await super.close();
  }

  /** Decides, riding out an outage of up to `outageWaitMs` (see the option). */
  protected async decide(path: string, budget: EffectiveBudget): Promise<Decision> {
    const giveUpAt = this.clock() + this.#outageWaitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#decideOnce(path, budget);
      } catch (error) {
        const cause = error instanceof FxiaokeSharedStateError ? error.cause : error;
        if (this.#closed || !isUnavailable(cause) || this.clock() >= giveUpAt) throw error;
        await delay(OUTAGE_RETRY_MS[Math.min(attempt, OUTAGE_RETRY_MS.length - 1)]);
      }
    }
  }

  async #decideOnce(path: string, budget: EffectiveBudget): Promise<Decision> {
    const slot = randomUUID();
    return this.#run(() =>
      inTransaction(this.#pool, async (client) => {
        const row = await lockAndRead(client, path, budget);
        if (row.paused_until !== null && row.now < row.paused_until) {
          return { go: false, waitMs: Math.max(1, Math.ceil(row.paused_until - row.now)) };
        }
        const cap = capOf(row, budget);
        if (row.cap !== null && cap >= budget.calls) {
          await client.query('DELETE FROM fxb_rate_state WHERE path = $1', [path]);
        }
        if (row.grants.length < cap) {
          await client.query(
            'INSERT INTO fxb_rate_grants (path, slot, at) VALUES ($1, $2, to_timestamp($3 / 1000.0))',
            [path, slot, row.now],
          );
          return { go: true, at: row.now, slot };
        }
        // Fewer than `cap` remain once the grant `cap` places from the newest leaves the window.
        const edge = row.grants[row.grants.length - cap] ?? row.now;
        return { go: false, waitMs: Math.max(1, Math.ceil(edge + budget.windowMs - row.now)) };
      }),
    );
  }

  /** The call is over: its slot counts from now, added back if it outlasted a window and was deleted. */
  protected async finish(path: string, slot: string): Promise<void> {
    await this.#run(() =>
      this.#pool.query(
        `INSERT INTO fxb_rate_grants (path, slot, at) VALUES ($1, $2, clock_timestamp())
         ON CONFLICT (path, slot) DO UPDATE SET at = excluded.at`,
        [path, slot],
      ),
    );
  }

  /** Pauses the endpoint for every replica (never shortening a pause) and, once per pause, halves its budget. */
  async penalize(path: string, untilMs: number): Promise<void> {
    const pauseMs = Math.max(0, Math.ceil(untilMs - this.clock()));
    const budget = this.budgetFor(path);
    await this.#run(() =>
      inTransaction(this.#pool, async (client) => {
        const row = await lockAndRead(client, path, budget);
        let paused = row.paused_until ?? Number.NEGATIVE_INFINITY;
        let cap = capOf(row, budget);
        let since = row.since ?? row.now;
        if (row.now >= paused) {
          cap = Math.max(1, Math.floor(cap / 2));
          since = row.now;
        }
        paused = Math.max(paused, row.now + pauseMs);
        await client.query(
          `INSERT INTO fxb_rate_state (path, paused_until, cap, since)
           VALUES ($1, to_timestamp($2 / 1000.0), $3, to_timestamp($4 / 1000.0))
           ON CONFLICT (path) DO UPDATE SET paused_until = excluded.paused_until, cap = excluded.cap, since = excluded.since`,
          [path, paused, cap, since],
        );
      }),
    );
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new FxiaokeSharedStateError(
        `The shared Fxiaoke rate limit (PostgreSQL) failed: ${redact(error, this.#secrets)}`,
        { cause: error },
      );
    }
  }
}

/** Takes the endpoint's lock for this transaction, drops grants past the window, and reads the rest. */
async function lockAndRead(client: pg.ClientBase, path: string, budget: EffectiveBudget): Promise<PathRow> {
  await client.query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext('rate:' || $1))`, [path]);
  await client.query(
    `DELETE FROM fxb_rate_grants WHERE path = $1 AND at <= clock_timestamp() - $2 * interval '1 millisecond'`,
    [path, budget.windowMs],
  );
  const { rows } = await client.query<PathRow>(READ, [path, budget.windowMs]);
  const row = rows[0];
  if (!row) throw new Error('reading the rate limit state returned no row');
  return row;
}

/** The budget now: lowered by a penalty, regained by `step` per window since. */
function capOf(row: PathRow, budget: EffectiveBudget): number {
  if (row.cap === null || row.since === null) return budget.calls;
  return Math.min(budget.calls, row.cap + Math.floor((row.now - row.since) / budget.windowMs) * budget.step);
}
