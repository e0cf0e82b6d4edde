/**
 * What a STORE_URL names, read without opening anything: the environment schema checks it at start
 * (src/config/env.ts) and `openStore` opens what it names. No adapter is imported here, so the
 * configuration can use it without loading SQLite, Redis or PostgreSQL.
 *
 * A problem is returned as text that follows the variable's name ("STORE_URL <problem>"), and never
 * holds the URL itself, since a Redis or PostgreSQL URL may carry a password.
 */
import { StoreError } from './errors.js';

export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'memory' }
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string };

export const REDIS_URL_FORM = 'redis://[[user]:password@]host[:port][/db] or rediss://…';
export const POSTGRES_URL_FORM = 'postgres://user:password@host[:port]/database (or postgresql://…)';

export const ACCEPTED_FORMS =
  'sqlite:./relative/path.db, sqlite:///absolute/path.db, sqlite::memory:, memory:, ' +
  'redis://[[user]:password@]host[:port][/db], rediss://… (TLS), postgres://user:password@host[:port]/database';

/** A scheme is shown back only when it looks like one: the text before a colon could be a password. */
const SHOWABLE_SCHEME = /^[a-z][a-z0-9+.-]{0,19}$/;

/** The location a STORE_URL names, or the problem with it. */
export function readStoreUrl(url: string): { location: StoreLocation } | { problem: string } {
  const trimmed = url.trim();
  if (trimmed === '') return { problem: `is empty; accepted forms: ${ACCEPTED_FORMS}` };
  const colon = trimmed.indexOf(':');
  const scheme = colon === -1 ? '' : trimmed.slice(0, colon).toLowerCase();
  const rest = colon === -1 ? '' : trimmed.slice(colon + 1);

  switch (scheme) {
    case 'sqlite':
      return sqliteLocation(rest);
    case 'memory':
      if (rest !== '' && rest !== '//') {
        return { problem: `memory: takes nothing after the colon; accepted forms: ${ACCEPTED_FORMS}` };
      }
      return { location: { kind: 'memory' } };
    case 'redis':
    case 'rediss': {
      const problem = redisUrlProblem(trimmed);
      return problem ? { problem } : { location: { kind: 'redis', url: trimmed } };
    }
    case 'postgres':
    case 'postgresql': {
      const problem = postgresUrlProblem(trimmed);
      return problem ? { problem } : { location: { kind: 'postgres', url: trimmed } };
    }
    default: {
      const shown =
        scheme === ''
          ? 'has no scheme'
          : SHOWABLE_SCHEME.test(scheme)
            ? `has unsupported scheme "${scheme}:"`
            : 'has an unsupported scheme';
      return { problem: `${shown}; accepted forms: ${ACCEPTED_FORMS}` };
    }
  }
}

/** Reads a STORE_URL, or throws a StoreError that names STORE_URL and never echoes the URL. */
export function parseStoreUrl(url: string): StoreLocation {
  const read = readStoreUrl(url);
  if ('problem' in read) throw new StoreError(`STORE_URL ${read.problem}`);
  return read.location;
}

/** Redis and PostgreSQL are shared by replicas; SQLite and memory belong to one process. */
export function isSharedStore(location: StoreLocation): boolean {
  return location.kind === 'redis' || location.kind === 'postgres';
}

/**
 * `sqlite:<path>` takes the rest verbatim as a file path (relative to the working directory);
 * `sqlite://` must be followed by an absolute path, as in `sqlite:///srv/fx-bridge.db`.
 */
function sqliteLocation(rest: string): { location: StoreLocation } | { problem: string } {
  if (rest.startsWith('//')) {
    const path = rest.slice(2);
    if (!path.startsWith('/')) {
      return {
        problem:
          'sqlite:// must be followed by an absolute path (sqlite:///srv/app.db); ' +
          'for a relative path write sqlite:./app.db',
      };
    }
    return { location: { kind: 'sqlite', path } };
  }
  if (rest === '') return { problem: `sqlite: needs a file path; accepted forms: ${ACCEPTED_FORMS}` };
  return { location: { kind: 'sqlite', path: rest } };
}

/** What is wrong with a Redis URL, before any connection is tried; undefined when nothing is. */
export function redisUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's error is bare "Invalid URL"; the input itself is not repeated since it may hold a password.
    return `is not a valid Redis URL; expected ${REDIS_URL_FORM}`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `must start with redis:// or rediss://; expected ${REDIS_URL_FORM}`;
  }
  if (parsed.hostname === '') return `names no Redis host; expected ${REDIS_URL_FORM}`;
  if (!/^\/?\d*$/.test(parsed.pathname)) {
    return `path must be a database number such as /0; expected ${REDIS_URL_FORM}`;
  }
  return undefined;
}

/**
 * What is wrong with a PostgreSQL URL; undefined when nothing is. The host may also come as a
 * `host` parameter (`postgres:///fx?host=/var/run/postgresql`, a Unix socket), as libpq allows.
 */
export function postgresUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a valid PostgreSQL URL; expected ${POSTGRES_URL_FORM}`;
  }
  if (parsed.hostname === '' && !parsed.searchParams.get('host')) {
    return `names no PostgreSQL host; expected ${POSTGRES_URL_FORM}`;
  }
  return undefined;
}
