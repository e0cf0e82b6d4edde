import { describe, expect, it } from 'vitest';
import { FxiaokeError, FxiaokeSharedStateError } from '../../src/fxiaoke/errors.js';
import { fxiaokeFailureOf } from '../../src/fxiaoke/failures.js';
import { RateLimiterClosedError } from '../../src/fxiaoke/rate-limiter.js';
import type { RelayError } from '../../src/relay/types.js';

/** The RelayError a relay records for what the adapter threw. */
function relayError(thrown: unknown): RelayError {
  const failure = fxiaokeFailureOf(thrown);
  if (!failure) throw new Error('not read as a Fxiaoke failure');
  return failure.error;
}

describe('fxiaokeFailureOf: what a failed Fxiaoke call means to the core', () => {
  it('keeps the Fxiaoke code, kind, traceId and a capitalised meaning with Fxiaoke’s own words', () => {
    const error = new FxiaokeError({
      path: '/cgi/message/send',
      errorCode: 20012,
      traceId: 'E-1',
      upstreamMessage: '用户不存在',
    });
    expect(relayError(error)).toEqual({
      code: 20012,
      kind: 'recipient',
      message: 'A recipient does not exist in Fxiaoke. Fxiaoke said: “用户不存在”.',
      traceId: 'E-1',
    });
  });

  it('names an unmapped error code', () => {
    const recorded = relayError(new FxiaokeError({ path: '/x', errorCode: 99999 }));
    expect(recorded).toMatchObject({ code: 99999, kind: 'unknown' });
    expect(recorded.message).toBe('Fxiaoke answered with error code 99999.');
    expect(recorded.traceId).toBeUndefined();
  });

  it('tells a transport failure that may have been delivered from one that was not', () => {
    const unknown = relayError(
      new FxiaokeError({ path: '/x', kind: 'transport', mayHaveBeenDelivered: true }),
    );
    const notSent = relayError(
      new FxiaokeError({ path: '/x', kind: 'transport', mayHaveBeenDelivered: false }),
    );
    expect(unknown.kind).toBe('transport_unknown');
    expect(unknown.code).toBeUndefined();
    expect(unknown.message).toBe('Fxiaoke could not be reached.');
    expect(notSent.kind).toBe('transport');
  });

  it('only applies "may have been delivered" to transport failures', () => {
    const error = new FxiaokeError({ path: '/x', errorCode: 30002, mayHaveBeenDelivered: true });
    expect(relayError(error).kind).toBe('quota');
  });
});

describe('fxiaokeFailureOf at shutdown', () => {
  it('says a call given up by the closed rate limiter was not made, instead of "unexpected"', () => {
    const recorded = relayError(new RateLimiterClosedError());
    expect(recorded.kind).toBe('stopping');
    expect(recorded.message).toBe(
      'fx-bridge is shutting down, so this call to Fxiaoke was not made (nothing of it went out). Try again in a moment.',
    );
  });
});

describe('fxiaokeFailureOf: whether the call may have acted', () => {
  it('says so for a call whose request may have reached Fxiaoke, and only then', () => {
    const lost = new FxiaokeError({ path: '/x', kind: 'transport', mayHaveBeenDelivered: true });
    expect(fxiaokeFailureOf(lost)?.mayHaveBeenDelivered).toBe(true);
    const refused = new FxiaokeError({ path: '/x', errorCode: 20012 });
    expect(fxiaokeFailureOf(refused)?.mayHaveBeenDelivered).toBe(false);
    expect(fxiaokeFailureOf(new RateLimiterClosedError())?.mayHaveBeenDelivered).toBe(false);
  });

  it('asks the core to make the call again later when the shared rate budget or token was unreachable, and only then', () => {
    const away = fxiaokeFailureOf(
      new FxiaokeSharedStateError('The shared Fxiaoke rate limit (Redis) failed: down'),
    );
    expect(away).toMatchObject({
      mayHaveBeenDelivered: false,
      retryLater: true,
      error: { kind: 'shared_state' },
    });
    expect(away?.error.message).toMatch(/nothing of it went out/);
    const lost = new FxiaokeError({ path: '/x', kind: 'transport', mayHaveBeenDelivered: true });
    expect(fxiaokeFailureOf(lost)?.retryLater).toBeUndefined();
    expect(fxiaokeFailureOf(new RateLimiterClosedError())?.retryLater).toBeUndefined();
  });

  it('reads nothing it did not throw', () => {
    expect(fxiaokeFailureOf(new Error('x'))).toBeUndefined();
    expect(fxiaokeFailureOf('a string')).toBeUndefined();
  });
});
