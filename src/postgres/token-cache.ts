/**
 * The Fxiaoke token shared by every replica through PostgreSQL: one row of `fxb_tokens` per scope
 * (auth mode and app id, so two apps never mix), with its expiry on the server's clock. The lock
 * that makes one replica fetch while the others wait is a session advisory lock, held on a
 * connection of its own for as long as the fetch runs: a waiter gets it the moment the holder
 * lets go, and a holder that dies (kill -9, a lost network) lets go with its connection, so no
 * lock outlives its owner and none needs a time to live.
 *
 * The token is a secret: it is stored here as the relay records are, and never put in an error.
 */
import type pg from 'pg';
import { FxiaokeSharedStateError } from '../fxiaoke/errors.js';
import { type CachedToken, cachedTokenSchema, type TokenCache, tokenOf } from '../fxiaoke/token-cache.js';
import { LOCK_CLASS } from './connection.js';
import { redact } from './failures.js';
import { againIfConnectionLost } from './transaction.js';

/** How long a replica waits for another's token fetch (several timed-out tries) before it gives up. */
const LOCK_WAIT_MS = 65_000;

export interface PostgresTokenCacheOptions {
  /** The cache does not end it (its owner does). */
  pool: pg.Pool;
  /** A new, unconnected client with the pool's settings: the lock's own connection. */
  newClient: () => pg.Client;
  /** Which token: e.g. `header:FSAID_…`. */
  scope: string;
  /** Longest wait for the lock (default 65 s). */
  lockWaitMs?: number;
  /** Strings cut out of error messages (the URL and password). */
  secrets?: readonly string[];
}

export class PostgresTokenCache implements TokenCache {
  readonly #pool: pg.Pool;
  readonly #newClient: () => pg.Client;
  readonly #scope: string;
  readonly #lockWaitMs: number;
  readonly #secrets: readonly string[];

  constructor(options: PostgresTokenCacheOptions) {
    this.#pool = options.pool;
    this.#newClient = options.newClient;
    this.#scope = options.scope;
    this.#lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
    this.#secrets = options.secrets ?? [];
  }

  async get(): Promise<CachedToken | undefined> {
    const { rows } = await this.#run(() =>
      this.#pool.query<{ value: unknown }>(
        'SELECT value FROM fxb_tokens WHERE scope = $1 AND expires_at > clock_timestamp()',
        [this.#scope],
      ),
    );
    const parsed = cachedTokenSchema.safeParse(rows[0]?.value);
    return parsed.success ? parsed.data : undefined;
  }

  async set(token: CachedToken, ttlMs: number): Promise<void> {
    const ttl = Math.floor(ttlMs);
    if (ttl <= 0) return;
    await this.#run(() =>
      this.#pool.query(
        `INSERT INTO fxb_tokens (scope, token, value, expires_at)
         VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond')
         ON CONFLICT (scope) DO UPDATE SET token = excluded.token, value = excluded.value, expires_at = excluded.expires_at`,
        [this.#scope, tokenOf(token.credentials), JSON.stringify(token), ttl],
      ),
    );
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    let client: pg.Client;
    try {
      client = await againIfConnectionLost(() => this.#lockedClient());
    } catch (error) {
      if ((error as { code?: unknown }).code === '57014') {
        throw new FxiaokeSharedStateError(
          `Gave up after ${this.#lockWaitMs} ms waiting for another replica to fetch the Fxiaoke token`,
        );
      }
      throw this.#failure(error);
    }
    try {
      return await fn();
    } finally {
      // Ending the session releases its lock; a failure to end only means the server notices later.
      await client.end().catch(() => undefined);
    }
  }

  /** A connection of its own holding the lock, once it is free. */
  async #lockedClient(): Promise<pg.Client> {
    const client = this.#newClient();
    try {
      await client.connect();
      // Waiting for the lock is the one statement allowed to take this long.
      await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(this.#lockWaitMs))}`);
      await client.query(`SELECT pg_advisory_lock(${LOCK_CLASS}, hashtext('token:' || $1))`, [this.#scope]);
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  async invalidate(failedToken: string): Promise<void> {
    await this.#run(() =>
      this.#pool.query('DELETE FROM fxb_tokens WHERE scope = $1 AND token = $2', [this.#scope, failedToken]),
    );
  }

  async close(): Promise<void> {}

  /** get, set and invalidate are each safe to repeat on a new connection. */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await againIfConnectionLost(operation);
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /** The cause may quote a statement's parameters, the token among them: only the cleaned message goes on. */
  #failure(error: unknown): FxiaokeSharedStateError {
    return new FxiaokeSharedStateError(
      `The shared Fxiaoke token (PostgreSQL) failed: ${redact(error, this.#secrets)}`,
    );
  }
}
