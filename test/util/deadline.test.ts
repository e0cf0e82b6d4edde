import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { beforeDeadline } from '../../src/util/deadline.js';

describe('beforeDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the value of work that settles in time, and leaves no timer behind', async () => {
    const outcome = beforeDeadline(Promise.resolve('done'), 60_000);
    await expect(outcome).resolves.toEqual({ inTime: true, value: 'done' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says "not in time" once the deadline passes, and the work carries on', async () => {
    let finish: (value: string) => void = () => {};
    const work = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const outcome = beforeDeadline(work, 1_000);
    await vi.advanceTimersByTimeAsync(999);
    const early = await Promise.race([outcome, Promise.resolve('still waiting')]);
    expect(early).toBe('still waiting');
    await vi.advanceTimersByTimeAsync(1);
    await expect(outcome).resolves.toEqual({ inTime: false });
    finish('later');
    await expect(work).resolves.toBe('later');
  });

  it('rejects with the error of work that fails in time', async () => {
    await expect(beforeDeadline(Promise.reject(new Error('boom')), 60_000)).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('handles a failure that comes after the deadline (no unhandled rejection)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let fail: (error: Error) => void = () => {};
      const work = new Promise<string>((_, reject) => {
        fail = reject;
      });
      const outcome = beforeDeadline(work, 10);
      await vi.advanceTimersByTimeAsync(10);
      await expect(outcome).resolves.toEqual({ inTime: false });
      fail(new Error('too late'));
      // Node reports unhandled rejections after the microtask queue drains: a macrotask later.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
