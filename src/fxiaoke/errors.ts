/**
 * Fxiaoke failures. Pure module (no undici) so relay/ can read errors without the HTTP client.
 * Branch only on `errorCode`, never on Fxiaoke's `errorMessage` (it may change).
 */

import {
  ERROR_CODES,
  type ErrorCategory,
  type ErrorRow,
  type FxiaokeErrorKind,
  HTTP_STATUSES,
  RETRIED_KINDS,
} from './error-table.js';

export type { ErrorCategory, FxiaokeErrorKind, RetryRule } from './error-table.js';

interface CodeInfo {
  kind: FxiaokeErrorKind;
  meaning: string;
}

const UNKNOWN_ROW = (code: number): ErrorRow => ({
  kind: 'unknown',
  category: 'unknown',
  retry: 'no',
  meaning: `Fxiaoke answered with error code ${code}`,
});

/** The row of error-table.ts for an envelope errorCode; unknown codes say their number. */
export function errorRow(code: number): ErrorRow {
  return ERROR_CODES.get(code) ?? UNKNOWN_ROW(code);
}

export function describeErrorCode(code: number): CodeInfo {
  const { kind, meaning } = errorRow(code);
  return { kind, meaning };
}

/** The row for a gateway HTTP status the client acts on (401, 403, 429); undefined for others. */
export function httpStatusRow(status: number): ErrorRow | undefined {
  return HTTP_STATUSES.get(status);
}

/**
 * The `code` of every error the Fxiaoke adapter throws (bolt-js's `CodedError` pattern): callers
 * branch on the code or the class, never on a message. Argument mistakes (too many recipients, a
 * budget of 0) stay `RangeError`s: they are bugs of the caller, not failures of the adapter.
 */
export const FxiaokeErrorCode = {
  /** Fxiaoke (or the way to it) failed a call: FxiaokeError, with errorCode, kind and traceId. */
  Upstream: 'fxiaoke_error',
  /** Fxiaoke answered in a shape we cannot read (the address book). */
  InvalidAnswer: 'directory_invalid_answer',
  /** fx-bridge is stopping: a call waiting for the rate budget was given up before it went out. */
  Stopping: 'fxiaoke_stopping',
  /** The client cannot make this call as configured (no FXIAOKE_USER_ID, no service account). */
  Setup: 'fxiaoke_setup',
  /** The shared rate budget or token (Redis) could not be used. */
  SharedState: 'fxiaoke_shared_state_failed',
} as const;

export type FxiaokeErrorCode = (typeof FxiaokeErrorCode)[keyof typeof FxiaokeErrorCode];

/** Base of every error the Fxiaoke adapter throws. */
export abstract class FxiaokeAdapterError extends Error {
  abstract readonly code: FxiaokeErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isFxiaokeAdapterError(error: unknown): error is FxiaokeAdapterError {
  return error instanceof FxiaokeAdapterError;
}

/** A call waiting for the rate budget when fx-bridge began to stop: it never went out. */
export class RateLimiterClosedError extends FxiaokeAdapterError {
  readonly code = FxiaokeErrorCode.Stopping;
  constructor() {
    super('The Fxiaoke rate limiter is closed (fx-bridge is stopping)');
  }
}

/** The client is not set up for this call; the message names the variable to set. */
export class FxiaokeSetupError extends FxiaokeAdapterError {
  readonly code = FxiaokeErrorCode.Setup;
}

/** The shared rate budget or token in Redis failed; the message has the Redis error, redacted. */
export class FxiaokeSharedStateError extends FxiaokeAdapterError {
  readonly code = FxiaokeErrorCode.SharedState;
}

export class FxiaokeError extends FxiaokeAdapterError {
  readonly code = FxiaokeErrorCode.Upstream;
  /** Fxiaoke `errorCode`; undefined for transport failures. */
  readonly errorCode: number | undefined;
  readonly kind: FxiaokeErrorKind;
  /** Plain-language meaning, safe to show users. */
  readonly meaning: string;
  readonly traceId: string | undefined;
  readonly thirdTraceId: string | undefined;
  /** The API path that failed, e.g. `/cgi/message/send`. */
  readonly path: string;
  /** Fxiaoke's own errorMessage, for logs and display only. */
  readonly upstreamMessage: string | undefined;
  /**
   * For transport failures: whether the request may have reached Fxiaoke. A send whose outcome
   * is unknown must never be retried blindly (it could deliver twice).
   */
  readonly mayHaveBeenDelivered: boolean;
  /** The gateway's HTTP status when it answered without an envelope (401, 403, 429, 5xx…). */
  readonly httpStatus: number | undefined;
  /** A 429's `Retry-After`, in ms, when the gateway sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    path: string;
    errorCode?: number;
    kind?: FxiaokeErrorKind;
    meaning?: string;
    traceId?: string;
    thirdTraceId?: string;
    upstreamMessage?: string;
    mayHaveBeenDelivered?: boolean;
    httpStatus?: number;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    const described = init.errorCode === undefined ? undefined : describeErrorCode(init.errorCode);
    const kind = init.kind ?? described?.kind ?? 'unknown';
    const meaning = init.meaning ?? described?.meaning ?? 'Fxiaoke could not be reached';
    const codePart = init.errorCode === undefined ? '' : ` (errorCode ${init.errorCode})`;
    const tracePart = init.traceId ? ` [traceId ${init.traceId}]` : '';
    super(`${init.path}: ${meaning}${codePart}${tracePart}`, { cause: init.cause });
    this.path = init.path;
    this.errorCode = init.errorCode;
    this.kind = kind;
    this.meaning = meaning;
    this.traceId = init.traceId;
    this.thirdTraceId = init.thirdTraceId;
    this.upstreamMessage = init.upstreamMessage;
    this.mayHaveBeenDelivered = init.mayHaveBeenDelivered ?? false;
    this.httpStatus = init.httpStatus;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** The coarse class of error-table.ts; a send that may have been delivered says so whatever its code. */
  get category(): ErrorCategory {
    if (this.mayHaveBeenDelivered) return 'maybe_delivered';
    if (this.errorCode !== undefined) return errorRow(this.errorCode).category;
    if (this.httpStatus !== undefined) return httpStatusRow(this.httpStatus)?.category ?? 'transient';
    return this.kind === 'transport' ? 'transient' : 'unknown';
  }

  /**
   * Safe to retry whatever the call: Fxiaoke answered that it did not act (busy, rate limited),
   * or the request never left this machine. The client also retries ambiguous transport failures
   * of calls that are safe to repeat (token fetches); see retry.ts.
   */
  get retryable(): boolean {
    return RETRIED_KINDS.has(this.kind) || (this.kind === 'transport' && !this.mayHaveBeenDelivered);
  }
}

export function isFxiaokeError(error: unknown): error is FxiaokeError {
  return error instanceof FxiaokeError;
}

/**
 * Fxiaoke's errorMessage is shown to users and logged; gateways have been seen echoing request
 * fields, so every credential is cut out of it first.
 */
export function redactSecrets(
  text: string | undefined,
  secrets: readonly (string | undefined)[],
): string | undefined {
  if (!text) return text;
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}
