import { openRedisStore } from '../redis/relay-store.js';
import { StoreError } from './errors.js';
import type { RelayStore } from './interface.js';
import { parseStoreUrl } from './location.js';
import { MemoryRelayStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';

export { parseStoreUrl, type StoreLocation } from './location.js';

export interface OpenStoreOptions {
  now?: () => number;
  /** Prefix for every Redis key (default `fxb:`); ignored by the other stores. */
  redisKeyPrefix?: string;
}

/** Opens the store a STORE_URL names. Each backend is one branch here. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<RelayStore> {
  const location = parseStoreUrl(url);
  const { now, redisKeyPrefix } = options;
  switch (location.kind) {
    case 'sqlite':
      return openSqliteStore({ path: location.path, now });
    case 'memory':
      return new MemoryRelayStore({ now });
    case 'redis':
      return openRedisStore({ url: location.url, now, keyPrefix: redisKeyPrefix });
    case 'postgres':
      // The URL is a valid choice (the configuration accepts it); this build has no such store yet.
      throw new StoreError(
        'STORE_URL names a PostgreSQL store, which is not available in this build of fx-bridge; ' +
          'use sqlite:<path>, or redis:// for several replicas',
      );
  }
}
