import { afterEach, describe, expect, it, vi } from 'vitest';
import { persistently } from '../../src/relay/persistently.js';
import { RelayNotFoundError, StoreConflictError, StoreError } from '../../src/store/errors.js';
import { makeRecord } from '../store/records.js';
import { testRelay } from './relay-deps.js';

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
