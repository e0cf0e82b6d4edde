import { afterEach, describe, expect, it, vi } from 'vitest';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import { RateLimiterClosedError } from '../../src/fxiaoke/rate-limiter.js';
import { persistently, relayDeps, statusFromBatches, toRelayError } from '../../src/relay/deps.js';
import type { BatchStatus, RelayStatus } from '../../src/relay/types.js';
import { RelayNotFoundError, StoreConflictError, StoreError } from '../../src/store/errors.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { FakeFxiaoke } from './fake-fxiaoke.js';
import { defaultTimings, testRelay, testSettings } from './relay-deps.js';

function batches(...statuses: BatchStatus[]) {
  return statuses.map((status, index) => makeBatch(index, { status }));
}

describe('statusFromBatches', () => {
  const table: [BatchStatus[], RelayStatus][] = [
    [['sent'], 'sent'],
    [['sent', 'sent', 'sent'], 'sent'],
    [['pending'], 'pending'],
    [['sent', 'pending'], 'pending'],
    [['failed', 'pending'], 'pending'],
    [['failed'], 'failed'],
    [['failed', 'failed'], 'failed'],
    [['unknown'], 'unknown'],
    [['unknown', 'failed'], 'unknown'],
    [['sent', 'failed'], 'partial'],
    [['sent', 'unknown'], 'partial'],
    [['failed', 'sent', 'failed'], 'partial'],
    [['revoked'], 'revoked'],
    [['revoked', 'failed'], 'revoked'],
    [['revoked', 'sent'], 'sent'],
    [['revoked', 'unknown'], 'partial'],
    [['revoked', 'sent', 'failed'], 'partial'],
  ];
  for (const [statuses, expected] of table) {
    it(`[${statuses.join(', ')}] → ${expected}`, () => {
      expect(statusFromBatches(batches(...statuses))).toBe(expected);
    });
  }

  it('calls a relay without batches sent (nothing to contradict it)', () => {
    // Documented as questionable in the report: see send.test.ts, empty recipient list.
    expect(statusFromBatches([])).toBe('sent');
  });
});

describe('toRelayError', () => {
  it('keeps the Fxiaoke code, kind, traceId and a capitalised meaning with Fxiaoke’s own words', () => {
    const error = new FxiaokeError({
      path: '/cgi/message/send',
      errorCode: 20012,
      traceId: 'E-1',
      upstreamMessage: '用户不存在',
    });
    expect(toRelayError(error)).toEqual({
      code: 20012,
      kind: 'recipient',
      message: 'A recipient does not exist in Fxiaoke. Fxiaoke said: “用户不存在”.',
      traceId: 'E-1',
    });
  });

  it('names an unmapped error code', () => {
    const relayError = toRelayError(new FxiaokeError({ path: '/x', errorCode: 99999 }));
    expect(relayError).toMatchObject({ code: 99999, kind: 'unknown' });
    expect(relayError.message).toBe('Fxiaoke answered with error code 99999.');
    expect(relayError.traceId).toBeUndefined();
  });

  it('tells a transport failure that may have been delivered from one that was not', () => {
    const unknown = toRelayError(
      new FxiaokeError({ path: '/x', kind: 'transport', mayHaveBeenDelivered: true }),
    );
    const notSent = toRelayError(
      new FxiaokeError({ path: '/x', kind: 'transport', mayHaveBeenDelivered: false }),
    );
    expect(unknown.kind).toBe('transport_unknown');
    expect(unknown.code).toBeUndefined();
    expect(unknown.message).toBe('Fxiaoke could not be reached.');
    expect(notSent.kind).toBe('transport');
  });

  it('only applies "may have been delivered" to transport failures', () => {
    const error = new FxiaokeError({ path: '/x', errorCode: 30002, mayHaveBeenDelivered: true });
    expect(toRelayError(error).kind).toBe('quota');
  });

  it('hides anything that is not a FxiaokeError behind a generic internal error', () => {
    const relayError = toRelayError(new Error('secret token xoxb-123 leaked'));
    expect(relayError).toEqual({
      kind: 'internal',
      message: 'An unexpected error happened inside fx-bridge (see its logs).',
    });
    expect(toRelayError('a string').kind).toBe('internal');
    expect(toRelayError(undefined).kind).toBe('internal');
  });
});

describe('toRelayError at shutdown', () => {
  it('says a call given up by the closed rate limiter was not made, instead of "unexpected"', () => {
    const relayError = toRelayError(new RateLimiterClosedError());
    expect(relayError.kind).toBe('stopping');
    expect(relayError.message).toBe(
      'fx-bridge is shutting down, so this call to Fxiaoke was not made (nothing of it went out). Try again in a moment.',
    );
  });
});

describe('relayDeps', () => {
  it('fills in a real clock, relay ids, thirdTraceIds and an empty observer', () => {
    const { store } = testRelay();
    const deps = relayDeps({
      ...defaultTimings(),
      store,
      fxiaoke: new FakeFxiaoke(),
      settings: testSettings(),
      log: console,
    });
    const before = Date.now();
    expect(deps.now()).toBeGreaterThanOrEqual(before);
    expect(deps.newRelayId(before)).toMatch(/^rl_[0-9A-Z]{22}$/);
    expect(deps.newThirdTraceId()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(deps.newThirdTraceId()).not.toBe(deps.newThirdTraceId());
    expect(deps.observer).toEqual({});
  });

  it('lets the caller override every default', () => {
    const { store } = testRelay();
    const deps = relayDeps({
      ...defaultTimings(),
      store,
      fxiaoke: new FakeFxiaoke(),
      settings: testSettings(),
      log: console,
      now: () => 7,
      newThirdTraceId: () => 'fixed',
    });
    expect(deps.now()).toBe(7);
    expect(deps.newThirdTraceId()).toBe('fixed');
  });
});

describe('persistently', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries a failing store write and returns the first success', async () => {
    vi.useFakeTimers();
    const { deps, log } = testRelay();
    let attempts = 0;
    const result = persistently(deps, { relayId: 'rl_1' }, async () => {
      attempts += 1;
      if (attempts < 3) throw new StoreError('database is locked');
      return 'written';
    });
    await vi.runAllTimersAsync();
    expect(await result).toBe('written');
    expect(attempts).toBe(3);
    expect(log.entries).toEqual([]);
  });

  it('holds a failed write back and retries it until it lands, however long the store is away', async () => {
    vi.useFakeTimers();
    const { deps, log } = testRelay();
    let attempts = 0;
    const result = persistently(deps, { relayId: 'rl_2' }, async () => {
      attempts += 1;
      if (attempts < 40) throw new StoreError('connection refused');
      return 'landed';
    });
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(await result).toBe('landed');
    expect(attempts).toBe(40);
    expect(log.messages('warn')).toEqual(['relay store write failed; holding it back and retrying']);
    expect(log.messages('info')).toEqual(['held-back store write landed']);
  });

  it('gives up only once the stop abandoned writes, logging what could not be written', async () => {
    vi.useFakeTimers();
    let abandoned = false;
    const relay = testRelay();
    const deps = { ...relay.deps, writesAbandoned: () => abandoned };
    let attempts = 0;
    const failure = new StoreError('disk full');
    const settled = persistently(deps, { relayId: 'rl_2' }, async () => {
      attempts += 1;
      throw failure;
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(attempts).toBeGreaterThan(10);
    abandoned = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await settled).toBe(failure);
    const last = relay.log.entries.at(-1);
    expect(last).toMatchObject({ level: 'error', details: { relayId: 'rl_2', err: failure } });
  });

  it('does not retry a conflict, a missing relay or a taken Slack message', async () => {
    const { deps } = testRelay();
    for (const error of [new StoreConflictError(makeRecord()), new RelayNotFoundError('rl_x')]) {
      let attempts = 0;
      await expect(
        persistently(deps, {}, async () => {
          attempts += 1;
          throw error;
        }),
      ).rejects.toBe(error);
      expect(attempts).toBe(1);
    }
  });
});
