/** Which Fxiaoke failures are retried, and how long to wait. Pure, so it is tested as a table. */

import { DEFAULTS } from '../config.js';
import type { FxiaokeError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt (default 3). */
  maxRetries: number;
  /** First backoff for busy/system errors (default 250 ms). */
  transientBaseMs: number;
  /** First backoff for rate limits (default 1000 ms): the limit is counted per 20 s. */
  rateLimitBaseMs: number;
  /** No single wait is longer (default 8000 ms). */
  maxDelayMs: number;
}

/** A Retry-After longer than this is not waited for in full: the call is bounded, not parked. */
export const MAX_RETRY_AFTER_MS = 60_000;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: DEFAULTS.fxiaokeMaxRetries,
  transientBaseMs: 250,
  rateLimitBaseMs: 1_000,
  maxDelayMs: 8_000,
};

/**
 * `safeToRepeat` is false for sends: a send whose request may have reached Fxiaoke (a timeout, a
 * reset, a 504) is never repeated, because Fxiaoke does not de-duplicate and the message would
 * arrive twice. Envelope errors (busy, rate limited) are answers: Fxiaoke did not act, so any
 * call may be repeated.
 */
export function shouldRetry(error: FxiaokeError, safeToRepeat: boolean): boolean {
  if (error.kind === 'transient' || error.kind === 'rate_limited') return true;
  if (error.kind === 'transport') return safeToRepeat || !error.mayHaveBeenDelivered;
  return false;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to 0. */
export function backoffDelay(
  error: FxiaokeError,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const base = error.kind === 'rate_limited' ? policy.rateLimitBaseMs : policy.transientBaseMs;
  const ceiling = Math.min(policy.maxDelayMs, base * 2 ** attempt);
  const delay = Math.round(ceiling / 2 + random() * (ceiling / 2));
  // A gateway that says how long to wait (429 Retry-After) is believed, within reason.
  if (error.retryAfterMs !== undefined)
    return Math.max(delay, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS));
  return delay;
}
