/**
 * The per-user send limit shared by every replica through PostgreSQL (relay/send-rate.ts has the
 * contract). A row of `fxb_send_slots` per relay started, at the server's clock; taking a slot
 * holds a transaction-scoped advisory lock on the user, so two replicas cannot both take a user's
 * last one, and other users never wait for it.
 *
 * Slots that left the window are deleted: the user's own when they take one, and, a hundred at a
 * time, anyone's (`FOR UPDATE SKIP LOCKED`, so the sweep never waits for another replica's
 * transaction), so idle users leave nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { SEND_RATE_WINDOW_MS, type SendRateLimiter, type SendSlot } from '../relay/send-rate.js';
import { LOCK_CLASS } from './connection.js';
import { redact } from './failures.js';
import { againIfConnectionLost, inTransaction } from './transaction.js';

export interface PostgresSendLimiterOptions {
  /** The limiter does not end it (its owner does). */
  pool: pg.Pool;
  limit: number;
  windowMs?: number;
  /** Strings cut out of error messages (the URL and password). */
  secrets?: readonly string[];
}

/** The user's slots in the window, oldest first, and the server's now; $1 user, $2 window ms. */
const READ = `
  WITH clock AS (SELECT clock_timestamp() AS now)
  SELECT (extract(epoch FROM clock.now) * 1000)::float8 AS now,
         ARRAY(SELECT (extract(epoch FROM slots.at) * 1000)::float8 FROM fxb_send_slots slots
               WHERE slots.user_id = $1 AND slots.at > clock.now - $2 * interval '1 millisecond'
               ORDER BY slots.at) AS slots
  FROM clock`;

/** Deletes up to 100 slots of anyone that left the window, skipping rows another transaction holds. */
const SWEEP = `
  DELETE FROM fxb_send_slots WHERE (user_id, slot) IN (
    SELECT user_id, slot FROM fxb_send_slots WHERE at <= clock_timestamp() - $1 * interval '1 millisecond'
    LIMIT 100 FOR UPDATE SKIP LOCKED)`;

export class PostgresSendLimiter implements SendRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #pool: pg.Pool;
  readonly #secrets: readonly string[];

  constructor(options: PostgresSendLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new Error('PostgresSendLimiter needs a limit of at least 1 (no limiter means no limit)');
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? SEND_RATE_WINDOW_MS;
    this.#pool = options.pool;
    this.#secrets = options.secrets ?? [];
  }

  /** Looks without taking: a plain read, no lock. */
  async waitFor(userId: string): Promise<number> {
    return this.#call(async () => this.#wait(await read(this.#pool, userId, this.windowMs)));
  }

  async take(userId: string): Promise<SendSlot | { retryAfterMs: number }> {
    const slot = randomUUID();
    const wait = await this.#call(() =>
      inTransaction(this.#pool, async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext('sendrate:' || $1))`, [
          userId,
        ]);
        await client.query(SWEEP, [this.windowMs]);
        const state = await read(client, userId, this.windowMs);
        const wait = this.#wait(state);
        if (wait === 0) {
          await client.query(
            'INSERT INTO fxb_send_slots (user_id, slot, at) VALUES ($1, $2, to_timestamp($3 / 1000.0))',
            [userId, slot, state.now],
          );
        }
        return wait;
      }),
    );
    if (wait > 0) return { retryAfterMs: wait };
    return {
      release: async () => {
        await this.#call(() =>
          this.#pool.query('DELETE FROM fxb_send_slots WHERE user_id = $1 AND slot = $2', [userId, slot]),
        );
      },
    };
  }

  /** 0 when a slot is free; else how long until the slot that must go has left the window. */
  #wait(state: { now: number; slots: number[] }): number {
    if (state.slots.length < this.limit) return 0;
    const edge = state.slots[state.slots.length - this.limit] ?? state.now;
    return Math.max(1, Math.ceil(edge + this.windowMs - state.now));
  }

  /**
   * Every call is safe to repeat on a new connection: a look takes nothing, a release deletes one
   * slot, and a take repeated after a lost commit can only count one relay too many, never too few.
   */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await againIfConnectionLost(command);
    } catch (error) {
      throw new Error(`The shared per-user send limit (PostgreSQL) failed: ${redact(error, this.#secrets)}`, {
        cause: error,
      });
    }
  }
}

async function read(
  client: pg.ClientBase | pg.Pool,
  userId: string,
  windowMs: number,
): Promise<{ now: number; slots: number[] }> {
  const { rows } = await client.query<{ now: number; slots: number[] }>(READ, [userId, windowMs]);
  const row = rows[0];
  if (!row) throw new Error('reading the send slots returned no row');
  return row;
}
