/**
 * The Fxiaoke token shared by every replica through Redis, with a lock so that one replica fetches
 * while the others wait and then read what it stored.
 *
 * Keys (`<p>` is REDIS_KEY_PREFIX, `<scope>` the auth mode and app id, so two apps never mix):
 *   `<p>fxtoken:<scope>`        hash: token (the secret alone, for compare-and-delete), json
 *                               (credentials, expiresAt, fetchedAt); expires with the token
 *   `<p>fxtoken:<scope>:lock`   string: a random owner id, SET NX PX; released only by its owner
 * The token is a secret: it is stored here as the relay records are, and never put in an error.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FxiaokeSharedStateError } from '../fxiaoke/errors.js';
import { type CachedToken, type TokenCache, tokenOf } from '../fxiaoke/token-cache.js';
import { redact } from './connection.js';
import { lua, runScript } from './script.js';

export interface RedisTokenCacheOptions {
  /** A ready connection; the cache does not close it (its owner does). */
  redis: Redis;
  /** Default `fxb:`, as the Redis store. */
  keyPrefix?: string;
  /** Which token: e.g. `header:FSAID_…`. */
  scope: string;
  /** A holder that dies keeps the lock at most this long; covers a slow token call (default 60 s). */
  lockTtlMs?: number;
  /** Longest wait for the lock before giving up (default lockTtlMs + 5 s: the lock has expired by then). */
  lockWaitMs?: number;
  /** How often a waiter tries the lock again (default 50 ms, jittered). */
  pollMs?: number;
  /** Waits between tries of the lock (default: a real timer); tests record the waits through it. */
  sleep?: (ms: number) => Promise<void>;
  /** Strings cut out of error messages (the Redis URL and password). */
  secrets?: readonly string[];
}

/** KEYS lock; ARGV owner. Deletes the lock only if we still own it (it may have expired and moved on). */
const RELEASE = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS token hash; ARGV the token that failed. Deletes it only if it is still the cached one. */
const INVALIDATE = lua(`
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

const cachedTokenSchema = z.object({
  credentials: z.discriminatedUnion('style', [
    z.object({ style: z.literal('header'), accessToken: z.string().min(1), ea: z.string().min(1) }),
    z.object({ style: z.literal('legacy'), corpAccessToken: z.string().min(1), corpId: z.string().min(1) }),
  ]),
  expiresAt: z.number(),
  fetchedAt: z.number(),
});

export class RedisTokenCache implements TokenCache {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #lockKey: string;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;
  readonly #pollMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #secrets: readonly string[];

  constructor(options: RedisTokenCacheOptions) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix ?? 'fxb:'}fxtoken:${options.scope}`;
    this.#lockKey = `${this.#key}:lock`;
    this.#lockTtlMs = options.lockTtlMs ?? 60_000;
    this.#lockWaitMs = options.lockWaitMs ?? this.#lockTtlMs + 5_000;
    this.#pollMs = options.pollMs ?? 50;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#secrets = options.secrets ?? [];
  }

  get keys(): { token: string; lock: string } {
    return { token: this.#key, lock: this.#lockKey };
  }

  async get(): Promise<CachedToken | undefined> {
    const json = await this.#run(() => this.#redis.hget(this.#key, 'json'));
    if (json === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return undefined;
    }
    // Anything else (another version's layout, a hand edit) counts as no token: a fresh fetch fixes it.
    const parsed = cachedTokenSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  }

  async set(token: CachedToken, ttlMs: number): Promise<void> {
    const ttl = Math.floor(ttlMs);
    if (ttl <= 0) return;
    await this.#run(() =>
      this.#redis
        .multi()
        .hset(this.#key, 'token', tokenOf(token.credentials), 'json', JSON.stringify(token))
        .pexpire(this.#key, ttl)
        .exec(),
    );
  }

  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const deadline = Date.now() + this.#lockWaitMs;
    while (
      (await this.#run(() => this.#redis.set(this.#lockKey, owner, 'PX', this.#lockTtlMs, 'NX'))) !== 'OK'
    ) {
      if (Date.now() >= deadline) {
        throw new FxiaokeSharedStateError(
          `Gave up after ${this.#lockWaitMs} ms waiting for another replica to fetch the Fxiaoke token`,
        );
      }
      // Jittered so the waiters of several replicas do not knock in lockstep.
      await this.#sleep(this.#pollMs / 2 + Math.random() * this.#pollMs);
    }
    try {
      return await fn();
    } finally {
      // Failing to release only delays the next holder by the lock's TTL; fn's outcome matters more.
      await runScript(this.#redis, RELEASE, [this.#lockKey], [owner]).catch(() => undefined);
    }
  }

  async invalidate(failedToken: string): Promise<void> {
    await this.#run(() => runScript(this.#redis, INVALIDATE, [this.#key], [failedToken]));
  }

  async close(): Promise<void> {}

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      // The cause may quote a command's arguments, the token among them: only the cleaned message goes on.
      throw new FxiaokeSharedStateError(
        `The shared Fxiaoke token (Redis) failed: ${redact(error, this.#secrets)}`,
      );
    }
  }
}
