/**
 * What a failure of PostgreSQL (or of the way to it) means: the database away or too slow (try
 * again later), a connection lost under a statement (try again now, on a new one, if the
 * statement is safe to repeat), a unique index's refusal; and every failure as a StoreError
 * whose message holds no secret.
 */
import { StoreError, StoreUnavailableError } from '../store/errors.js';

/**
 * Node's and the server's ways of saying "not reachable, or not in time": retrying later may
 * succeed. SQLSTATE class 08 is connection exceptions; 57P01-03 a server shutting down or
 * starting; 53300 too many connections; 57014 a statement timeout; 55P03 a lock timeout.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03']);
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) {
      return true;
    }
  }
  // pg's own errors for a lost connection or a pool that could not connect carry no code.
  return /Connection terminated|timeout exceeded when trying to connect|connection error|not queryable|Client was closed/i.test(
    error.message,
  );
}

/** SQLSTATE 23505: a unique index refused the write. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '23505';
}

/** Any failure as a StoreError: StoreUnavailableError when retrying later may help. */
export function storeFailure(error: unknown, secrets: readonly string[]): StoreError {
  if (error instanceof StoreError) return error;
  const detail = redact(error, secrets);
  return isUnavailable(error)
    ? new StoreUnavailableError(`PostgreSQL store unavailable: ${detail}`, { cause: error })
    : new StoreError(`PostgreSQL store failed: ${detail}`, { cause: error });
}

/** An error's message with anything secret cut out. */
export function redact(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) text = text.split(secret).join('***');
  return text;
}

/** The connection went away under a statement: the server ended it, or a reset. */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // 57P01: terminated by an administrator (pg_terminate_backend, a failover tool).
  if (code === '57P01' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  return /Connection terminated unexpectedly|not queryable/i.test(error.message);
}
