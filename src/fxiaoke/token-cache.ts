/**
 * Where the Fxiaoke token is kept between fetches, and the lock that makes one holder fetch it.
 * In memory for one process; in Redis or PostgreSQL (src/redis/token-cache.ts,
 * src/postgres/token-cache.ts) so replicas share one token and the
 * token endpoint (about 10 calls a minute, no concurrency) is called once per rotation, not once
 * per replica. The token manager still keeps its own copy and single-flight in front of this.
 */

import { z } from 'zod';

export type FxiaokeCredentials =
  | { style: 'header'; accessToken: string; ea: string }
  | { style: 'legacy'; corpAccessToken: string; corpId: string };

export interface CachedToken {
  credentials: FxiaokeCredentials;
  /** Epoch ms, on the token manager's clock. */
  expiresAt: number;
  fetchedAt: number;
}

/**
 * A CachedToken as a shared cache reads it back: anything else (another version's layout, a hand
 * edit) counts as no token, and a fresh fetch fixes it.
 */
export const cachedTokenSchema = z.object({
  credentials: z.discriminatedUnion('style', [
    z.object({ style: z.literal('header'), accessToken: z.string().min(1), ea: z.string().min(1) }),
    z.object({ style: z.literal('legacy'), corpAccessToken: z.string().min(1), corpId: z.string().min(1) }),
  ]),
  expiresAt: z.number(),
  fetchedAt: z.number(),
});

export interface TokenCache {
  get(): Promise<CachedToken | undefined>;
  /** Stores the token for `ttlMs` (its remaining life); a later get() may return it. */
  set(token: CachedToken, ttlMs: number): Promise<void>;
  /** Runs `fn` while no other holder of this cache's lock (in any process sharing it) runs. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Drops the cached token only if it is still `failedToken`: a newer one must survive a late 20016. */
  invalidate(failedToken: string): Promise<void>;
  close(): Promise<void>;
}

/** The secret string of a token, whatever its auth style. */
export function tokenOf(credentials: FxiaokeCredentials): string {
  return credentials.style === 'header' ? credentials.accessToken : credentials.corpAccessToken;
}

/** One process's cache: the default when the store is not shared. */
export class MemoryTokenCache implements TokenCache {
  #token: CachedToken | undefined;
  #storedUntil = 0;
  #lock: Promise<unknown> = Promise.resolve();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(): Promise<CachedToken | undefined> {
    return this.#token && this.#now() < this.#storedUntil ? this.#token : undefined;
  }

  async set(token: CachedToken, ttlMs: number): Promise<void> {
    this.#token = ttlMs > 0 ? token : undefined;
    this.#storedUntil = this.#now() + ttlMs;
  }

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async invalidate(failedToken: string): Promise<void> {
    if (this.#token && tokenOf(this.#token.credentials) === failedToken) this.#token = undefined;
  }

  async close(): Promise<void> {}
}
