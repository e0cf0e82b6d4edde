/** Two replicas' limiters (two connections) share one budget through the real Redis. */

import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../../src/config.js';
import { type Grant, RateLimiterClosedError } from '../../src/fxiaoke/rate-limiter.js';
import { RedisRateLimiter } from '../../src/redis/rate-limiter.js';
import { connect, deleteKeysUnder, keysUnder, prefixes, redisAvailable } from '../redis-helpers.js';

const SEND = '/cgi/message/send';
const available = await redisAvailable('Redis rate limiter');

describe.skipIf(!available)('RedisRateLimiter (real Redis)', () => {
  const keys = prefixes('rate');
  let admin: Redis;
  const connections: Redis[] = [];
  const limiters: RedisRateLimiter[] = [];

  /** Every wait the limiters asked for, in ms: they really sleep it, and the test reads the plan. */
  let slept: number[] = [];
  const sleep = (ms: number, signal: AbortSignal) => {
    slept.push(ms);
    return delay(ms, undefined, { signal });
  };

  /** Two replicas on one prefix, each with its own connection. */
  function replicas(
    prefix: string,
    budget = { calls: 10, windowMs: 300 },
  ): [RedisRateLimiter, RedisRateLimiter] {
    const make = () => {
      const redis = connect();
      connections.push(redis);
      const limiter = new RedisRateLimiter({ redis, keyPrefix: prefix, budget, sleep });
      limiters.push(limiter);
      return limiter;
    };
    return [make(), make()];
  }

  beforeAll(() => {
    admin = connect();
  });
  afterEach(async () => {
    slept = [];
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
    await Promise.all(connections.splice(0).map((redis) => redis.quit()));
    await deleteKeysUnder(admin, keys.run);
  });
  afterAll(async () => {
    await deleteKeysUnder(admin, keys.run);
    await admin.quit();
  });

  it('30 concurrent acquires on two replicas, budget 10 per 300 ms: never more than 10 in any window', async () => {
    const prefix = keys.fresh();
    const [a, b] = replicas(prefix);
    const byReplica: ('a' | 'b')[] = [];
    const grants = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const limiter = i % 2 === 0 ? a : b;
        return limiter.acquire(SEND).then((grant: Grant) => {
          byReplica.push(i % 2 === 0 ? 'a' : 'b');
          return grant;
        });
      }),
    );

    // Grant times are Redis TIME: one clock for both replicas.
    const times = grants.map((g) => g.grantedAt).sort((x, y) => x - y);
    expect(times).toHaveLength(30);
    for (let i = 0; i + 10 < times.length; i++) {
      expect(times[i + 10]! - times[i]!).toBeGreaterThanOrEqual(300);
    }
    expect(byReplica.filter((r) => r === 'a')).toHaveLength(15);
    expect(times[20]! - times[0]!).toBeGreaterThanOrEqual(600); // three windows: two waits
    // No wait longer than needed: each is at most a window and its margin (50 ms), whatever the
    // machine's speed (a slow machine makes the grants later, not the planned waits longer).
    expect(slept.length).toBeGreaterThan(0);
    expect(Math.max(...slept)).toBeLessThanOrEqual(350);
    const gaps = times.slice(10).map((t, i) => t - times[i]!);
    console.info(
      `redis limiter: 30 grants over ${times[29]! - times[0]!} ms; min gap between grant i and i+10: ${Math.min(...gaps)} ms`,
    );
  });

  it('a penalty on one replica pauses the endpoint for the other and halves the shared budget', async () => {
    const [a, b] = replicas(keys.fresh());
    await a.acquire(SEND);
    // Long, so that no stall of a loaded test machine can end it between the steps below.
    await a.penalize(SEND, a.now() + 60_000);
    await a.penalize(SEND, a.now() + 100); // the same burst refused again: no second halving, no shortening
    const [grantsKey, stateKey] = b.keysOf(SEND);
    expect(await admin.hget(stateKey, 'cap')).toBe('5');

    const told: number[] = [];
    const waiting = b.acquire(SEND, { onWait: (ms) => told.push(ms) });
    await vi.waitFor(() => expect(told).toHaveLength(1));
    expect(told[0]).toBeGreaterThan(1_000);
    expect(told[0]).toBeLessThanOrEqual(60_000);
    expect(b.queueDepth()).toBe(1);
    expect(await b.acquire('/cgi/app/message/revoke')).toMatchObject({ waitedMs: 0 }); // others carry on

    // Everything it keeps expires on its own.
    expect(await admin.pttl(grantsKey)).toBeGreaterThan(0);
    expect(await admin.pttl(stateKey)).toBeGreaterThan(5_000);
    await b.close();
    await expect(waiting).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('a pause ends on time: the next call goes out once it is over', async () => {
    const prefix = keys.fresh();
    const [a, b] = replicas(prefix);
    await a.penalize(SEND, a.now() + 300);
    const grant = await b.acquire(SEND);
    const pausedUntil = Number(await admin.hget(b.keysOf(SEND)[1], 'pausedUntil'));
    // On the Redis clock, so a stalled test machine cannot make it look otherwise.
    expect(grant.grantedAt).toBeGreaterThanOrEqual(pausedUntil);
    // It waited for the pause and no longer: no planned wait went past it.
    expect(slept.length).toBeGreaterThan(0);
    expect(Math.max(...slept)).toBeLessThanOrEqual(300);
    expect(await keysUnder(admin, prefix)).toEqual([...b.keysOf(SEND)].sort());
  });

  it('keys stay under the prefix: two deployments on one Redis do not share a budget', async () => {
    const [a] = replicas(keys.fresh(), { calls: 1, windowMs: 10_000 });
    const [other] = replicas(keys.fresh(), { calls: 1, windowMs: 10_000 });
    await a.acquire(SEND);
    expect(await other.acquire(SEND)).toMatchObject({ waitedMs: 0 });
  });

  it('close() rejects the waiters of that replica only', async () => {
    const [a, b] = replicas(keys.fresh(), { calls: 1, windowMs: 10_000 });
    await a.acquire(SEND);
    const waitingA = a.acquire(SEND);
    const waitingB = b.acquire(SEND);
    await vi.waitFor(() => {
      expect(a.queueDepth()).toBe(1);
      expect(b.queueDepth()).toBe(1);
    });
    await a.close();
    await expect(waitingA).rejects.toBeInstanceOf(RateLimiterClosedError);
    expect(b.queueDepth()).toBe(1);
    await b.close();
    await expect(waitingB).rejects.toBeInstanceOf(RateLimiterClosedError);
  });

  it('a Redis failure fails the waiters with a message that names the shared limit', async () => {
    const redis = connect();
    const limiter = new RedisRateLimiter({
      redis,
      keyPrefix: keys.fresh(),
      budget: DEFAULTS.fxiaokeRateLimit,
    });
    limiters.push(limiter);
    redis.disconnect();
    await expect(limiter.acquire(SEND)).rejects.toThrow(/shared Fxiaoke rate limit \(Redis\) failed/);
  });
});
