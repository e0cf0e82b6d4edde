import { DEFAULTS } from '../config.js';
import type { InstallationStorePort } from '../installs/port.js';
import type { PostgresSettings } from '../postgres/connection.js';
import { openPostgresStore } from '../postgres/relay-store.js';
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
  /** Pool size, statement timeout and CA file of a PostgreSQL store (POSTGRES_*); ignored by the others. */
  postgres?: PostgresSettings;
}

/** Opens the store a STORE_URL names. Each backend is one branch here. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<RelayStore> {
  const location = parseStoreUrl(url);
  const { now, redisKeyPrefix, postgres } = options;
  switch (location.kind) {
    case 'sqlite':
      return openSqliteStore({ path: location.path, now });
    case 'memory':
      return new MemoryRelayStore({ now });
    case 'redis':
      return openRedisStore({ url: location.url, now, keyPrefix: redisKeyPrefix });
    case 'postgres':
      return openPostgresStore({ url: location.url, now, ...(postgres ?? DEFAULTS.postgres) });
  }
}

/** The installations kept beside the relays (install mode): every store has them. */
export function installationsOf(store: RelayStore): InstallationStorePort {
  const holder = store as Partial<{ installations: InstallationStorePort }>;
  if (!holder.installations) throw new StoreError('This store keeps no installations');
  return holder.installations;
}
