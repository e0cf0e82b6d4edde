/**
 * The Fxiaoke rate budget and token, and the per-user send limit, shared by the replicas through
 * PostgreSQL when the store is PostgreSQL: no Redis is needed for any of it. They run on a pool of
 * their own, so a limiter's decisions never queue behind a burst of store writes.
 */
import type { RateBudget } from '../fxiaoke/rate-limiter.js';
import type { FxiaokeSharedState } from '../redis/fxiaoke-shared-state.js';
import { createClient, openPool, type PostgresSettings } from './connection.js';
import { PostgresRateLimiter } from './rate-limiter.js';
import { PostgresSendLimiter } from './send-limiter.js';
import { PostgresTokenCache } from './token-cache.js';

export interface PostgresSharedStateOptions {
  /** STORE_URL: the store has migrated the tables by the time this opens. */
  url: string;
  settings: PostgresSettings;
  /** Budget of every endpoint but the token endpoints (those keep 10 per 60 s). */
  rateLimit: RateBudget;
  authMode: 'header' | 'legacy';
  appId: string;
}

export async function openPostgresSharedState(
  options: PostgresSharedStateOptions,
): Promise<FxiaokeSharedState> {
  const { pool, target } = await openPool(options.url, options.settings);
  const { secrets } = target;
  const rateLimiter = new PostgresRateLimiter({ pool, budget: options.rateLimit, secrets });
  const tokenCache = new PostgresTokenCache({
    pool,
    newClient: () => createClient(target, options.settings),
    scope: `${options.authMode}:${options.appId}`,
    secrets,
  });
  let closing: Promise<void> | undefined;
  return {
    rateLimiter,
    tokenCache,
    tokenCacheFor: (scope) =>
      new PostgresTokenCache({
        pool,
        newClient: () => createClient(target, options.settings),
        scope: `tenant:${scope}`,
        secrets,
      }),
    shared: true,
    newSendLimiter: (limit) => new PostgresSendLimiter({ pool, limit, secrets }),
    close() {
      closing ??= (async () => {
        await rateLimiter.close();
        await tokenCache.close();
        await pool.end().catch(() => undefined);
      })();
      return closing;
    },
  };
}
