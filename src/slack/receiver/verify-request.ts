/**
 * Slack's request signature, checked without touching the body's meaning (bolt-js's
 * receiver/verify-request.ts, plus a bound on timestamps in the future). Pure: no I/O, no logging, and no
 * secret or signature ever goes into a result. `checkSlackHeaders` needs only the headers, so a
 * request without a well-formed, fresh signature is refused before its body is read at all.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's (and Bolt's) bound on clock difference, both ways here. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export type SignatureFailure =
  | 'missing_headers'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'bad_signature_format'
  | 'signature_mismatch';

export type HeaderCheck =
  | { ok: true; timestampSeconds: number; signature: Buffer }
  | { ok: false; reason: SignatureFailure };

type HeaderValue = string | string[] | undefined;

const SIGNATURE = /^v0=([0-9a-f]{64})$/;
const TIMESTAMP = /^\d{1,12}$/;

/** The signature headers: present once each, a numeric timestamp within the skew, `v0=<64 hex>`. */
export function checkSlackHeaders(
  headers: { signature: HeaderValue; timestamp: HeaderValue },
  nowMs: number,
): HeaderCheck {
  const { signature, timestamp } = headers;
  if (typeof signature !== 'string' || typeof timestamp !== 'string') {
    return { ok: false, reason: 'missing_headers' };
  }
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const timestampSeconds = Number(timestamp);
  const nowSeconds = Math.floor(nowMs / 1000);
  if (timestampSeconds < nowSeconds - MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  if (timestampSeconds > nowSeconds + MAX_CLOCK_SKEW_SECONDS)
    return { ok: false, reason: 'future_timestamp' };
  const hex = SIGNATURE.exec(signature)?.[1];
  if (hex === undefined) return { ok: false, reason: 'bad_signature_format' };
  return { ok: true, timestampSeconds, signature: Buffer.from(hex, 'hex') };
}

/** HMAC-SHA256 of `v0:<timestamp>:<raw body>`, compared in constant time. */
export function signatureMatches(
  signingSecret: string,
  timestampSeconds: number,
  rawBody: Buffer,
  signature: Buffer,
): boolean {
  if (signingSecret === '') return false;
  const ours = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:`).update(rawBody).digest();
  return ours.length === signature.length && timingSafeEqual(ours, signature);
}

/** Both steps at once, for callers that already hold the body (and for tests). */
export function verifySlackSignature(options: {
  signingSecret: string;
  headers: { signature: HeaderValue; timestamp: HeaderValue };
  rawBody: Buffer;
  nowMs: number;
}): { ok: true } | { ok: false; reason: SignatureFailure } {
  const check = checkSlackHeaders(options.headers, options.nowMs);
  if (!check.ok) return check;
  return signatureMatches(options.signingSecret, check.timestampSeconds, options.rawBody, check.signature)
    ? { ok: true }
    : { ok: false, reason: 'signature_mismatch' };
}
