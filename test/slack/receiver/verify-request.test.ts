/** The pure signature check: headers alone, then the HMAC over the raw bytes. */
import { describe, expect, it } from 'vitest';
import { signSlackRequest, TEST_SIGNING_SECRET } from '../../../dev/fakes/slack-requests.js';
import {
  checkSlackHeaders,
  MAX_CLOCK_SKEW_SECONDS,
  verifySlackSignature,
} from '../../../src/slack/receiver/verify-request.js';

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const BODY = 'token=x&team_id=T0TEST&text=hello';

function headersFor(body: string, timestamp = NOW_S, secret = TEST_SIGNING_SECRET) {
  const signed = signSlackRequest(secret, body, timestamp);
  return { signature: signed['x-slack-signature'], timestamp: signed['x-slack-request-timestamp'] };
}

function verify(headers: { signature?: string | string[]; timestamp?: string | string[] }, body = BODY) {
  return verifySlackSignature({
    signingSecret: TEST_SIGNING_SECRET,
    headers: { signature: headers.signature, timestamp: headers.timestamp },
    rawBody: Buffer.from(body),
    nowMs: NOW_MS,
  });
}

describe('verifySlackSignature', () => {
  it('accepts a body signed with the secret, at the edges of the clock window', () => {
    expect(verify(headersFor(BODY))).toEqual({ ok: true });
    expect(verify(headersFor(BODY, NOW_S - MAX_CLOCK_SKEW_SECONDS))).toEqual({ ok: true });
    expect(verify(headersFor(BODY, NOW_S + MAX_CLOCK_SKEW_SECONDS))).toEqual({ ok: true });
  });

  it('names why it refuses, and never echoes the signature', () => {
    const good = headersFor(BODY);
    const cases: [string, ReturnType<typeof verify>][] = [
      ['missing_headers', verify({ timestamp: good.timestamp })],
      ['missing_headers', verify({ signature: good.signature })],
      ['missing_headers', verify({ signature: [good.signature, good.signature], timestamp: good.timestamp })],
      ['bad_timestamp', verify({ ...good, timestamp: 'soon' })],
      ['bad_timestamp', verify({ ...good, timestamp: `${NOW_S}.5` })],
      ['bad_timestamp', verify({ ...good, timestamp: '' })],
      ['stale_timestamp', verify(headersFor(BODY, NOW_S - MAX_CLOCK_SKEW_SECONDS - 1))],
      ['future_timestamp', verify(headersFor(BODY, NOW_S + MAX_CLOCK_SKEW_SECONDS + 1))],
      ['bad_signature_format', verify({ ...good, signature: good.signature.replace('v0=', 'v1=') })],
      ['bad_signature_format', verify({ ...good, signature: `${good.signature}00` })],
      ['bad_signature_format', verify({ ...good, signature: 'v0=' })],
      ['signature_mismatch', verify(headersFor(BODY, NOW_S, 'another-secret'))],
      ['signature_mismatch', verify(good, `${BODY}x`)],
      ['signature_mismatch', verify({ ...good, timestamp: String(NOW_S - 1) })],
    ];
    for (const [reason, result] of cases) {
      expect(result).toEqual({ ok: false, reason });
      expect(JSON.stringify(result)).not.toContain(good.signature.slice(3));
    }
  });

  it('refuses everything when the secret is empty', () => {
    expect(
      verifySlackSignature({
        signingSecret: '',
        headers: headersFor(BODY, NOW_S, ''),
        rawBody: Buffer.from(BODY),
        nowMs: NOW_MS,
      }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('checks the headers without the body', () => {
    const check = checkSlackHeaders(headersFor(BODY), NOW_MS);
    expect(check.ok && check.timestampSeconds).toBe(NOW_S);
  });
});
