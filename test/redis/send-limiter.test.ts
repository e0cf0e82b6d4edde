/**
 * The per-user send limit shared through Redis: two limiters on two connections (two replicas)
 * count one window per user. Needs a real Redis; skips loudly without one.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisSendLimiter } from '../../src/redis/send-limiter.js';
import type { SendSlot } from '../../src/relay/send-rate.js';
import { connect, deleteKeysUnder, keysUnder, prefixes, redisAvailable } from '../redis-helpers.js';

const available = await redisAvailable('per-user send limit (Redis)');

describe.skipIf(!available)('RedisSendLimiter (real Redis)', () => {
  const keys = prefixes('sendrate');
  let one: Redis;
  let two: Redis;

  beforeAll(() => {
    one = connect();
    two = connect();
  });
  afterEach(async () => {
    await deleteKeysUnder(one, keys.run);
  });
  afterAll(async () => {
    await one.quit();
    await two.quit();
  });

  function replicas(limit: number, windowMs = 60_000) {
    const keyPrefix = keys.fresh();
    return {
      keyPrefix,
      a: new RedisSendLimiter({ redis: one, keyPrefix, limit, windowMs }),
      b: new RedisSendLimiter({ redis: two, keyPrefix, limit, windowMs }),
    };
  }

  async function slot(limiter: RedisSendLimiter, userId: string): Promise<SendSlot> {
    const taken = await limiter.take(userId);
    if ('retryAfterMs' in taken) throw new Error(`no slot for ${userId}`);
    return taken;
  }

  it('counts one window per user across replicas, and says how long to wait', async () => {
    const { a, b, keyPrefix } = replicas(2);
    await slot(a, 'U0A');
    await slot(b, 'U0A');
    const refused = await a.take('U0A');
    expect(refused).toEqual({ retryAfterMs: expect.any(Number) });
    if ('retryAfterMs' in refused) {
      expect(refused.retryAfterMs).toBeGreaterThan(55_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await b.waitFor('U0A')).toBeGreaterThan(55_000);
    expect(await b.waitFor('U0B')).toBe(0);
    expect(await keysUnder(one, keyPrefix)).toEqual([`${keyPrefix}sendrate:{U0A}`]);
    // It expires on its own a window after the newest slot.
    const ttl = await one.pttl(`${keyPrefix}sendrate:{U0A}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('looking takes nothing; a released slot is free again on every replica', async () => {
    const { a, b } = replicas(1);
    for (let i = 0; i < 3; i++) expect(await a.waitFor('U0A')).toBe(0);
    const taken = await slot(a, 'U0A');
    expect(await b.waitFor('U0A')).toBeGreaterThan(0);
    await taken.release();
    expect(await b.waitFor('U0A')).toBe(0);
  });

  it('never grants more than the limit to concurrent takes from two replicas', async () => {
    const { a, b } = replicas(5);
    const takes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).take('U0BURST')),
    );
    expect(takes.filter((taken) => !('retryAfterMs' in taken))).toHaveLength(5);
  });

  it('frees a slot once it leaves the sliding window (Redis clock)', async () => {
    const { a } = replicas(1, 300);
    await slot(a, 'U0A');
    const wait = await a.waitFor('U0A');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(300);
    // Polled, not slept: how soon Redis's clock passes the window is not the machine's to promise.
    await expect.poll(() => a.waitFor('U0A'), { interval: 25, timeout: 10_000 }).toBe(0);
  });
});
