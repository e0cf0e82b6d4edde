/**
 * The rate limiter and token cache a bridge runs with: on its own Redis connection when the store
 * is Redis (several replicas share one budget and one token). On a SQLite file the budget is kept
 * in the file (the processes on it share it: a receiver and its forked worker, and whoever starts
 * after a restart) and the token in this process; on memory (tests), both in this process.
 */

import { InProcessRateLimiter, type RateBudget, type RateLimiter } from '../fxiaoke/rate-limiter.js';
import { MemoryTokenCache, type TokenCache } from '../fxiaoke/token-cache.js';
import type { SendRateLimiter } from '../relay/send-rate.js';
import { parseStoreUrl } from '../store/index.js';
import { SqliteRateLimiter } from '../store/sqlite-rate-limiter.js';
import { connectRedis, type RedisConnection } from './connection.js';
import { RedisRateLimiter } from './rate-limiter.js';
import { RedisTokenCache } from './token-cache.js';

export interface FxiaokeSharedStateOptions {
  storeUrl: string;
  /** REDIS_KEY_PREFIX, as the store uses it. */
  keyPrefix: string;
  /** Budget of every endpoint but the token endpoints (those keep 10 per 60 s). */
  rateLimit: RateBudget;
  authMode: 'header' | 'legacy';
  appId: string;
  /** The token manager's clock, for the in-memory token cache. */
  now?: () => number;
}

export interface FxiaokeSharedState {
  rateLimiter: RateLimiter;
  tokenCache: TokenCache;
  /** True when replicas share them (through Redis or PostgreSQL; a SQLite file's processes share only the budget). */
  shared: boolean;
  /**
   * The Redis connection they share, when they do: other small shared limits (the per-user send
   * limit) run on it too. Closed by `close()`.
   */
  connection?: RedisConnection;
  /** A per-user send limit shared the same way, when it is not Redis (postgres/fxiaoke-shared-state.ts). */
  newSendLimiter?: (limit: number) => SendRateLimiter;
  /**
   * Install mode: a token cache of one tenant's own, shared the same way as `tokenCache` (`scope`
   * names the tenant and its credentials). Its holder closes it; the connection stays open.
   */
  tokenCacheFor(scope: string): TokenCache;
  close(): Promise<void>;
}

export async function openFxiaokeSharedState(
  options: FxiaokeSharedStateOptions,
): Promise<FxiaokeSharedState> {
  const location = parseStoreUrl(options.storeUrl);
  if (location.kind !== 'redis') {
    // Its own connection to the store's file (the store has migrated it by now).
    const rateLimiter =
      location.kind === 'sqlite' && location.path !== ':memory:'
        ? new SqliteRateLimiter({ path: location.path, budget: options.rateLimit })
        : new InProcessRateLimiter({ budget: options.rateLimit });
    return {
      rateLimiter,
      tokenCache: new MemoryTokenCache(options.now),
      tokenCacheFor: () => new MemoryTokenCache(options.now),
      shared: false,
      close: () => rateLimiter.close(),
    };
  }
  // Its own connection: a limiter's waits and the token lock must not queue behind store traffic.
  const connection = await connectRedis(location.url, 5_000);
  const { redis, secrets } = connection;
  const rateLimiter = new RedisRateLimiter({
    redis,
    keyPrefix: options.keyPrefix,
    budget: options.rateLimit,
    secrets,
  });
  const tokenCache = new RedisTokenCache({
    redis,
    keyPrefix: options.keyPrefix,
    scope: `${options.authMode}:${options.appId}`,
    secrets,
  });
  let closing: Promise<void> | undefined;
  return {
    rateLimiter,
    tokenCache,
    tokenCacheFor: (scope) =>
      new RedisTokenCache({ redis, keyPrefix: options.keyPrefix, scope: `tenant:${scope}`, secrets }),
    shared: true,
    connection,
    close() {
      closing ??= (async () => {
        await rateLimiter.close();
        await tokenCache.close();
        // QUIT lets a lock release in flight finish; a dead connection has nothing to wait for.
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
      })();
      return closing;
    },
  };
}
