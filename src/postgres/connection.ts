/**
 * Connections to PostgreSQL: STORE_URL read and checked (never echoed: it may carry a password),
 * TLS for managed databases, pools with the statement timeout set on every connection, and pg's
 * errors mapped onto the store's error hierarchy.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { StoreError, StoreUnavailableError } from '../store/errors.js';
import { redact } from './failures.js';
import { fromJsonb } from './jsonb.js';

/** POSTGRES_* settings (defaults in config.ts DEFAULTS). */
export interface PostgresSettings {
  /** Connections each pool may open (the store's, and the shared Fxiaoke state's). */
  poolSize: number;
  /** The server cancels any statement running longer (and a lock wait as long). */
  statementTimeoutMs: number;
  /** PEM file of the certificate authority that signed the server's certificate (managed databases). */
  caFile?: string;
}

/** Where to connect and what must never appear in a message. */
export interface PostgresTarget {
  config: pg.ClientConfig;
  /** The URL and its password, cut out of every error message. */
  secrets: string[];
  /** `postgres://user@host:port/db`: fit for a log line. */
  shown: string;
}

/** A PostgreSQL server answering the TCP connect within this long, or the connect fails. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Pooled connections unused this long are closed (the pool opens new ones as needed). */
const IDLE_CLOSE_MS = 30_000;

const URL_FORM = 'postgres://user:password@host:5432/database[?sslmode=require]';

/**
 * Reads a `postgres://` or `postgresql://` URL. TLS follows `sslmode` as node-postgres 8 reads it:
 * `require` (and `prefer`, `verify-ca`) verify the server's certificate and name, as `verify-full`
 * does; `no-verify` encrypts without checking; `disable` (or none) is plain TCP. POSTGRES_CA_FILE
 * names the authority to verify against (a managed database's CA bundle) and turns TLS on.
 */
export function postgresTarget(url: string, caFile?: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new StoreError(`STORE_URL is not a valid PostgreSQL URL; expected ${URL_FORM}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StoreError(`STORE_URL must start with postgres:// or postgresql://; expected ${URL_FORM}`);
  }
  const params = parsed.searchParams;
  const password = params.get('password') ?? '';
  const secrets = [url, url.trim(), parsed.password, safeDecode(parsed.password), password].filter(
    (s) => s.length > 0,
  );
  if (parsed.hostname === '' && !params.get('host')) {
    throw new StoreError(`STORE_URL names no PostgreSQL host; expected ${URL_FORM}`);
  }
  // The same checks as node-postgres 8 makes for these modes, without its deprecation warning.
  const mode = params.get('sslmode');
  if (
    params.get('uselibpqcompat') !== 'true' &&
    (mode === 'require' || mode === 'prefer' || mode === 'verify-ca')
  ) {
    params.set('sslmode', 'verify-full');
  }
  let config: pg.ClientConfig;
  try {
    config = parseIntoClientConfig(parsed.toString()) as pg.ClientConfig;
  } catch (error) {
    // Its message may quote the URL; say only which part to look at.
    const what = error instanceof Error && /port/i.test(error.message) ? 'its port' : 'it';
    throw new StoreError(
      `STORE_URL could not be read as a PostgreSQL URL (check ${what}); expected ${URL_FORM}`,
    );
  }
  if (caFile) {
    if (config.ssl === false) {
      throw new StoreError('POSTGRES_CA_FILE is set but STORE_URL turns TLS off (sslmode=disable)');
    }
    config.ssl = { ...(typeof config.ssl === 'object' ? config.ssl : {}), ca: readCa(caFile) };
  }
  const user = parsed.username ? `${parsed.username}@` : '';
  return { config, secrets, shown: `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}` };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new StoreError(`POSTGRES_CA_FILE points at ${path}, which cannot be read (${reason})`);
  }
}

/** `jsonb` columns come back through fromJsonb, so a record keeps NUL characters (jsonb.ts). */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.JSONB && format !== 'binary'
      ? fromJsonb
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** A pool with fx-bridge's settings on every connection; connects lazily. */
export function createPool(target: PostgresTarget, settings: PostgresSettings): pg.Pool {
  const pool = new pg.Pool({
    ...target.config,
    max: settings.poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_CLOSE_MS,
    keepAlive: true,
    statement_timeout: settings.statementTimeoutMs,
    // A replica stalled inside a transaction must not hold rows locked for long.
    idle_in_transaction_session_timeout: Math.max(10_000, 2 * settings.statementTimeoutMs),
    application_name: target.config.application_name ?? 'fx-bridge',
    types: TYPES,
  });
  // An idle connection the server dropped (a restart, a failover): the pool discards it and the
  // next query opens a new one. Without a listener the 'error' event would end the process.
  pool.on('error', () => undefined);
  // The pool removes its idle listener when it hands a client out, and the taker (transaction.ts)
  // can only add its own once its `await` resumes. A server's FATAL (a terminated backend) parsed
  // from the same socket read as the previous query's end falls in between, with no listener at
  // all: an uncaught exception. A listener of the client's own for its whole life closes that gap;
  // the client is still marked unusable and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** A single connection outside any pool, with the same settings (session locks live on it). */
export function createClient(target: PostgresTarget, settings: PostgresSettings): pg.Client {
  const client = new pg.Client({
    ...target.config,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    statement_timeout: settings.statementTimeoutMs,
    application_name: target.config.application_name ?? 'fx-bridge',
    types: TYPES,
  });
  client.on('error', () => undefined);
  return client;
}

/**
 * Opens a pool and checks the server answers (and the database exists, and the password is
 * right), so a wrong STORE_URL fails at start instead of at the first Slack command.
 */
export async function openPool(url: string, settings: PostgresSettings): Promise<Pooled> {
  const target = postgresTarget(url, settings.caFile);
  const pool = createPool(target, settings);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreUnavailableError(
      `Could not connect to the PostgreSQL store at ${target.shown}: ${redact(error, target.secrets)}`,
      { cause: error },
    );
  }
  return { pool, target };
}

export interface Pooled {
  pool: pg.Pool;
  target: PostgresTarget;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Advisory lock keys: fx-bridge's locks use the two-integer form with this first half ("fxb" in
 * ASCII), so they never meet another application's one-integer locks in the same database, and
 * the second half hashes the lock's name (SQL: `hashtext($name)`).
 */
export const LOCK_CLASS = 0x667862;
