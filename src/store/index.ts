import { DEFAULTS } from '../config.js';
import type { PostgresSettings } from '../postgres/connection.js';
import { openPostgresStore } from '../postgres/relay-store.js';
import { openRedisStore } from '../redis/relay-store.js';
import type { RelayStore } from './interface.js';
import { MemoryRelayStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';

export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'memory' }
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string };

export interface OpenStoreOptions {
  now?: () => number;
  /** Prefix for every Redis key (default `fxb:`); ignored by the other stores. */
  redisKeyPrefix?: string;
  /** Pool size, statement timeout and CA file of a PostgreSQL store (POSTGRES_*); ignored by the others. */
  postgres?: PostgresSettings;
}

const ACCEPTED_FORMS =
  'sqlite:./relative/path.db, sqlite:///absolute/path.db, sqlite::memory:, memory:, ' +
  'redis://[[user]:password@]host[:port][/db], rediss://… (TLS), ' +
  'postgres://user:password@host[:port]/database[?sslmode=require] (or postgresql://)';

/**
 * Reads a STORE_URL. Errors never echo the whole URL, because a Redis or PostgreSQL URL may carry a
 * password.
 *
 * `sqlite:<path>` takes the rest verbatim as a file path (relative to the working directory);
 * `sqlite://` must be followed by an absolute path, as in `sqlite:///srv/fx-bridge.db`.
 */
export function parseStoreUrl(url: string): StoreLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw new Error(`STORE_URL is empty; accepted forms: ${ACCEPTED_FORMS}`);
  const colon = trimmed.indexOf(':');
  const scheme = colon === -1 ? '' : trimmed.slice(0, colon).toLowerCase();
  const rest = colon === -1 ? '' : trimmed.slice(colon + 1);

  switch (scheme) {
    case 'sqlite':
      return { kind: 'sqlite', path: parseSqlitePath(rest) };
    case 'memory':
      if (rest !== '' && rest !== '//') {
        throw new Error(`STORE_URL memory: takes nothing after the colon; accepted forms: ${ACCEPTED_FORMS}`);
      }
      return { kind: 'memory' };
    case 'redis':
    case 'rediss':
      return { kind: 'redis', url: trimmed };
    case 'postgres':
    case 'postgresql':
      return { kind: 'postgres', url: trimmed };
    default: {
      const shown = scheme === '' ? 'has no scheme' : `has unsupported scheme "${scheme}:"`;
      throw new Error(`STORE_URL ${shown}; accepted forms: ${ACCEPTED_FORMS}`);
    }
  }
}

function parseSqlitePath(rest: string): string {
  if (rest.startsWith('//')) {
    const path = rest.slice(2);
    if (!path.startsWith('/')) {
      throw new Error(
        'STORE_URL sqlite:// must be followed by an absolute path (sqlite:///srv/app.db); ' +
          'for a relative path write sqlite:./app.db',
      );
    }
    return path;
  }
  if (rest === '') throw new Error(`STORE_URL sqlite: needs a file path; accepted forms: ${ACCEPTED_FORMS}`);
  return rest;
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
