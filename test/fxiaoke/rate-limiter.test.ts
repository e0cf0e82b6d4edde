import { describe, expect, it } from 'vitest';
import {
  type Grant,
  InProcessRateLimiter,
  RateLimiterClosedError,
  type RateLimiterOptions,
} from '../../src/fxiaoke/rate-limiter.js';
import { TOKEN_PATHS } from '../../src/fxiaoke/token-manager.js';
import { FakeTime } from '../fake-time.js';

const SEND = '/cgi/message/send';

function makeLimiter(options: Partial<RateLimiterOptions> = {}): {
  limiter: InProcessRateLimiter;
  time: FakeTime;
} {
  const time = new FakeTime();
  const limiter = new InProcessRateLimiter({
    budget: { calls: 10, windowMs: 1_000 },
    marginMs: 0,
    now: time.now,
    sleep: time.sleep,
    ...options,
  });
  return { limiter, time };
}

/** Starts `count` acquires at once; returns their grants and the order they were granted in. */
async function burst(limiter: InProcessRateLimiter, count: number, path = SEND) {
  const order: number[] = [];
  const waits: (number | undefined)[] = Array.from({ length: count }, () => undefined);
  const grants = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limiter
        .acquire(path, {
          onWait: (ms) => {
            waits[i] = ms;
          },
        })
        .then((grant: Grant) => {
          order.push(i);
          return grant;
        }),
    ),
  );
  return { grants, order, waits };
}

function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i] ?? 0;
    most = Math.max(most, sorted.filter((t) => t >= start && t < start + windowMs).length);
  }
  return most;
}

describe('InProcessRateLimiter', () => {
  it('spreads a burst of 25 over three windows of 10, queued and never failed', async () => {
    const { limiter } = makeLimiter();
    const { grants, waits } = await burst(limiter, 25);
    const times = grants.map((g) => g.grantedAt);
    expect(times).toEqual([...Array(10).fill(0), ...Array(10).fill(1_000), ...Array(5).fill(2_000)]);
    expect(maxInAnyWindow(times, 1_000)).toBe(10);
    expect(grants.map((g) => g.waitedMs)).toEqual(times);
    // Only the queued ones hear about it, with an estimate of their wait.
    expect(waits).toEqual([...Array(10).fill(undefined), ...Array(10).fill(1_000), ...Array(5).fill(2_000)]);
    expect(limiter.queueDepth()).toBe(0);
  });

  it('is first come, first served; a retry goes to the front', async () => {
    const { limiter } = makeLimiter({ budget: { calls: 2, windowMs: 1_000 } });
    const { order } = await burst(limiter, 9);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    const served: string[] = [];
    const take = (name: string, retry = false) =>
      limiter.acquire(SEND, { retry }).then(() => served.push(name));
    const all = [take('a'), take('b'), take('c'), take('d'), take('retry', true)];
    expect(limiter.queueDepth()).toBe(5);
    await Promise.all(all);
    expect(served).toEqual(['retry', 'a', 'b', 'c', 'd']);
  });

  it('keeps endpoints apart, and token endpoints at 10 calls per 60 s', async () => {
    const { limiter } = makeLimiter();
    const [sends, tokens] = await Promise.all([burst(limiter, 10), burst(limiter, 11, TOKEN_PATHS.header)]);
    expect(sends.grants.every((g) => g.grantedAt === 0)).toBe(true);
    expect(tokens.grants.map((g) => g.grantedAt)).toEqual([...Array(10).fill(0), 60_000]);
  });

  it('counts a call’s window from when it ended (done), since Fxiaoke counts it on arrival', async () => {
    const { limiter, time } = makeLimiter({ budget: { calls: 1, windowMs: 1_000 } });
    const first = await limiter.acquire(SEND);
    time.ms = 300; // the call took 300 ms to answer
    await first.done();
    const second = await limiter.acquire(SEND);
    expect(second.grantedAt).toBe(1_300);
    expect(second.waitedMs).toBe(1_000);

    // A call that outlasts its window still counts from its end.
    const third = await limiter.acquire(SEND).catch(() => undefined);
    expect(third?.grantedAt).toBe(2_300);
    time.ms = 5_000;
    await third?.done();
    await third?.done(); // idempotent
    expect((await limiter.acquire(SEND)).grantedAt).toBe(6_000);
  });

  it('penalize pauses every caller of the endpoint, and halves its budget once per pause', async () => {
    const { limiter, time } = makeLimiter();
    await burst(limiter, 3);
    limiter.penalize(SEND, 500);
    limiter.penalize(SEND, 300); // a second refusal of the same burst: never shortens, never halves again
    const other = await limiter.acquire('/cgi/app/message/revoke');
    expect(other.grantedAt).toBe(0); // other endpoints carry on

    const { grants } = await burst(limiter, 10);
    const times = grants.map((g) => g.grantedAt);
    expect(Math.min(...times)).toBe(500);
    // Budget 10 → 5, and 3 were used at 0 ms: 2 more at 500 ms, the rest as the window moves on.
    expect(times.filter((t) => t === 500)).toHaveLength(2);
    expect(maxInAnyWindow([0, 0, 0, ...times], 1_000)).toBeLessThanOrEqual(6);
    expect(time.ms).toBeGreaterThanOrEqual(1_500);
  });

  it('regains the budget step by step: a tenth of it per window without a penalty', async () => {
    const { limiter, time } = makeLimiter();
    limiter.penalize(SEND, 0); // no pause, budget 10 → 5
    const halved = await burst(limiter, 6);
    expect(halved.grants.filter((g) => g.grantedAt === 0)).toHaveLength(5);
    time.ms = 20_000; // five windows later: 5 + 5 × 1
    const regained = await burst(limiter, 10);
    expect(regained.grants.every((g) => g.grantedAt === 20_000)).toBe(true);
  });

  it('tells a newcomer at once that it is queued while the queue sleeps', async () => {
    const { limiter } = makeLimiter({
      budget: { calls: 1, windowMs: 1_000 },
      sleep: () => new Promise(() => {}),
    });
    await limiter.acquire(SEND);
    const told: Record<string, number> = {};
    void limiter.acquire(SEND, { onWait: (ms) => (told.second = ms) }).catch(() => {});
    await new Promise((resolve) => setImmediate(resolve)); // the queue is asleep now
    void limiter.acquire(SEND, { onWait: (ms) => (told.third = ms) }).catch(() => {});
    expect(told).toEqual({ second: 1_000, third: 2_000 });
    await limiter.close();
  });

  it('close() rejects the waiters and later acquires', async () => {
    const { limiter } = makeLimiter({
      budget: { calls: 1, windowMs: 1_000 },
      sleep: () => new Promise(() => {}),
    });
    await limiter.acquire(SEND);
    const waiting = limiter.acquire(SEND);
    expect(limiter.queueDepth()).toBe(1);
    await limiter.close();
    await expect(waiting).rejects.toBeInstanceOf(RateLimiterClosedError);
    await expect(limiter.acquire(SEND)).rejects.toBeInstanceOf(RateLimiterClosedError);
    expect(limiter.queueDepth()).toBe(0);
  });

  it('refuses a budget that could never grant', () => {
    expect(() => new InProcessRateLimiter({ budget: { calls: 0, windowMs: 1_000 } })).toThrow(RangeError);
  });

  it('pads each window with a margin for the trip to Fxiaoke (2% of it, at least 50 ms)', () => {
    const limiter = new InProcessRateLimiter({ budget: { calls: 100, windowMs: 20_000 } });
    expect(limiter.budgetFor(SEND)).toEqual({ calls: 100, windowMs: 20_400, step: 10 });
    expect(limiter.budgetFor(TOKEN_PATHS.legacy)).toEqual({ calls: 10, windowMs: 61_200, step: 1 });
    const small = new InProcessRateLimiter({ budget: { calls: 10, windowMs: 500 } });
    expect(small.budgetFor(SEND).windowMs).toBe(550);
  });
});
