import { describe, expect, it } from 'vitest';
import { FxiaokeError, type FxiaokeErrorKind } from '../../src/fxiaoke/errors.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  shouldRetry,
} from '../../src/fxiaoke/retry.js';

function errorOf(kind: FxiaokeErrorKind, mayHaveBeenDelivered = false): FxiaokeError {
  return new FxiaokeError({ path: '/cgi/message/send', kind, mayHaveBeenDelivered });
}

const POLICY: RetryPolicy = {
  maxRetries: 3,
  transientBaseMs: 100,
  rateLimitBaseMs: 1_000,
  maxDelayMs: 5_000,
};

describe('shouldRetry', () => {
  // kind, safeToRepeat, mayHaveBeenDelivered → retried?
  const table: Array<[FxiaokeErrorKind, boolean, boolean, boolean]> = [];
  const answers: FxiaokeErrorKind[] = ['transient', 'rate_limited'];
  const final: FxiaokeErrorKind[] = [
    'token',
    'config',
    'recipient',
    'bug',
    'empty_content',
    'quota',
    'permission',
    'unknown',
  ];
  for (const safe of [true, false]) {
    for (const delivered of [true, false]) {
      // Busy / rate limited are answers: Fxiaoke did not act, so even a send may be repeated.
      for (const kind of answers) table.push([kind, safe, delivered, true]);
      for (const kind of final) table.push([kind, safe, delivered, false]);
      // Transport failures: repeat only what is safe to repeat or what never reached Fxiaoke.
      table.push(['transport', safe, delivered, safe || !delivered]);
    }
  }

  it.each(table)('%s, safeToRepeat=%s, mayHaveBeenDelivered=%s → %s', (kind, safe, delivered, expected) => {
    expect(shouldRetry(errorOf(kind, delivered), safe)).toBe(expected);
  });

  it('a send (not safe to repeat) whose request may have landed is never retried', () => {
    expect(shouldRetry(errorOf('transport', true), false)).toBe(false);
  });

  it('a send that never left (connection refused) is retried', () => {
    expect(shouldRetry(errorOf('transport', false), false)).toBe(true);
  });
});

describe('backoffDelay', () => {
  const transient = errorOf('transient');
  const limited = errorOf('rate_limited');

  it('equal jitter: between half the ceiling (random 0) and the ceiling (random 1)', () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const ceiling = Math.min(POLICY.maxDelayMs, POLICY.transientBaseMs * 2 ** attempt);
      expect(backoffDelay(transient, attempt, POLICY, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(transient, attempt, POLICY, () => 1)).toBe(ceiling);
      const middle = backoffDelay(transient, attempt, POLICY, () => 0.5);
      expect(middle).toBeGreaterThan(ceiling / 2);
      expect(middle).toBeLessThan(ceiling);
    }
  });

  it('never waits 0 ms', () => {
    expect(backoffDelay(transient, 0, POLICY, () => 0)).toBeGreaterThan(0);
    expect(backoffDelay(limited, 0, POLICY, () => 0)).toBeGreaterThan(0);
  });

  it('doubles with each attempt', () => {
    const delays = [0, 1, 2, 3, 4].map((attempt) => backoffDelay(transient, attempt, POLICY, () => 1));
    expect(delays).toEqual([100, 200, 400, 800, 1600]);
  });

  it('is capped at maxDelayMs, however many attempts', () => {
    for (const attempt of [6, 10, 30, 100]) {
      expect(backoffDelay(transient, attempt, POLICY, () => 1)).toBe(POLICY.maxDelayMs);
      expect(backoffDelay(limited, attempt, POLICY, () => 1)).toBe(POLICY.maxDelayMs);
      expect(backoffDelay(limited, attempt, POLICY, () => 0)).toBe(POLICY.maxDelayMs / 2);
    }
  });

  it('rate limits back off from a larger base than busy errors', () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const busy = backoffDelay(transient, attempt, POLICY, () => 1);
      const rate = backoffDelay(limited, attempt, POLICY, () => 1);
      expect(rate).toBe(POLICY.rateLimitBaseMs * 2 ** attempt);
      expect(rate).toBeGreaterThan(busy);
    }
  });

  it('the default policy: 3 retries, 250 ms and 1 s bases, 8 s cap', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxRetries: 3,
      transientBaseMs: 250,
      rateLimitBaseMs: 1_000,
      maxDelayMs: 8_000,
    });
    expect(backoffDelay(transient, 0, DEFAULT_RETRY_POLICY, () => 1)).toBe(250);
    expect(backoffDelay(limited, 0, DEFAULT_RETRY_POLICY, () => 1)).toBe(1_000);
    expect(backoffDelay(limited, 5, DEFAULT_RETRY_POLICY, () => 1)).toBe(8_000);
  });

  it('uses Math.random when no random source is given, staying inside the bounds', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(transient, 2, POLICY);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
