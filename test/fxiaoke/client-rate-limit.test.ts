/**
 * The client paced by the in-process limiter against the emulator, which enforces its own limit
 * with 30004: a burst beyond the budget is queued, not failed.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CODE, type EmulatorOptions, FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient, type FxiaokeClientOptions } from '../../src/fxiaoke/client.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import type { QueuedInfo } from '../../src/fxiaoke/interface.js';
import { InProcessRateLimiter, type RateBudget } from '../../src/fxiaoke/rate-limiter.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  emulatorOptions: EmulatorOptions,
  budget: RateBudget,
  options: Partial<FxiaokeClientOptions> = {},
) {
  const emulator = await FxiaokeEmulator.start(emulatorOptions);
  /** Every wait the limiter planned, in ms: it really waits them; the test reads the plan. */
  const planned: number[] = [];
  const limiter = new InProcessRateLimiter({
    budget,
    sleep: (ms, signal) => {
      planned.push(ms);
      return delay(ms, undefined, { signal });
    },
  });
  const queued: QueuedInfo[] = [];
  const depths: number[] = [];
  const client = new FxiaokeClient({
    timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
    baseUrl: emulator.url,
    ...CREDS,
    authMode: 'header',
    userId: '1000',
    rateLimiter: limiter,
    onQueued: (info) => {
      queued.push(info);
      depths.push(limiter.queueDepth());
    },
    ...options,
  });
  cleanups.push(
    () => emulator.stop(),
    () => limiter.close(),
    () => client.close(),
  );
  return { emulator, limiter, client, queued, depths, planned };
}

function errorCodes(emulator: FxiaokeEmulator): number[] {
  return emulator.requestsTo(PATHS.send).map((r) => (r.response as { errorCode: number }).errorCode);
}

function sendAll(client: FxiaokeClient, emulator: FxiaokeEmulator, count: number) {
  const to = [emulator.users[0]!.openUserId];
  return Promise.allSettled(Array.from({ length: count }, (_, i) => client.sendText(to, `burst ${i}`)));
}

describe('FxiaokeClient with a rate limiter, against the emulator’s limit', () => {
  it('40 sends at a budget of 10 per 500 ms: all delivered, spread over the windows, zero 30004', async () => {
    const { emulator, client, queued, depths, planned } = await setup(
      { rateLimit: { calls: 10, windowMs: 500 } },
      { calls: 10, windowMs: 500 },
    );
    const results = await sendAll(client, emulator, 40);

    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(emulator.messages).toHaveLength(40);
    expect(errorCodes(emulator).filter((code) => code !== 0)).toEqual([]);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(40);
    // Four windows of 10: three waits of 500 ms plus the margin, and no wait longer than that
    // (planned waits, not clock readings: a slow machine makes sends later, not the plan longer).
    expect(planned.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...planned)).toBeLessThanOrEqual(550);
    expect(queued).toHaveLength(30);
    expect(Math.max(...depths)).toBe(30); // queued, not failed
    const waited = results.map((r) => (r.status === 'fulfilled' ? (r.value.waitedMs ?? 0) : -1));
    expect(waited.filter((ms) => ms < 50)).toHaveLength(10); // the first window went straight out
    expect(Math.max(...waited)).toBeGreaterThanOrEqual(1_500);
    // As Fxiaoke sees it: any 11 calls in a row span at least one window.
    const arrivals = emulator.requestsTo(PATHS.send).map((r) => r.at);
    const gaps = arrivals.slice(10).map((at, i) => at - arrivals[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(1_500); // three waits, as Fxiaoke saw them
    console.info(
      `burst 40 at 10/500 ms: ${Math.round(arrivals.at(-1)! - arrivals[0]!)} ms, 0 × 30004, ` +
        `min gap between arrival i and i+10: ${Math.min(...gaps)} ms`,
    );
  });

  it('a budget looser than Fxiaoke’s: 30004s happen, the pace adapts, and every send still succeeds', async () => {
    const { emulator, client, planned } = await setup(
      { rateLimit: { calls: 10, windowMs: 500 } },
      { calls: 20, windowMs: 500 },
      { retry: { rateLimitBaseMs: 200 } },
    );
    const results = await sendAll(client, emulator, 40);

    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures).toEqual([]);
    expect(emulator.messages).toHaveLength(40);
    const refused = errorCodes(emulator).filter((code) => code === CODE.FREQUENCY_EXCEEDED).length;
    expect(refused).toBeGreaterThan(0);
    // Halving the budget on the first refusals keeps the rest of the burst mostly inside the limit.
    expect(refused).toBeLessThan(20);
    // The pace adapts without long waits: the limiter's waits (one after another on this endpoint)
    // add up to under 6 s, about 2 s here; planned, so a slow machine does not lengthen them.
    expect(planned.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(6_000);
    console.info(
      `burst 40 at 20/500 ms vs Fxiaoke 10/500 ms: ${refused} × 30004, waits planned ${planned.join(', ')} ms`,
    );
  });

  it('tells the caller a send is queued, before it waits, and reports the wait', async () => {
    const { emulator, client } = await setup({}, { calls: 1, windowMs: 300 });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    const seen: QueuedInfo[] = [];
    const result = await client.sendText(to, 'second', { onQueued: (info) => seen.push(info) });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toBe(PATHS.send);
    expect(seen[0]?.waitMs).toBeGreaterThan(200);
    expect(result.waitedMs).toBeGreaterThanOrEqual(seen[0]!.waitMs - 20);
  });

  it('stops on the daily quota (30002): no retry, no pause, the error says it is used up', async () => {
    const { emulator, client, limiter } = await setup({ dailyQuota: 1 }, { calls: 10, windowMs: 1_000 });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    const error = await client.sendText(to, 'second').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FxiaokeError);
    expect((error as FxiaokeError).errorCode).toBe(30002);
    expect((error as FxiaokeError).meaning).toMatch(/quota is used up/);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(2);
    const next = await limiter.acquire(PATHS.send);
    expect(next.waitedMs).toBe(0);
  });
});
