import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../src/util/ttl-cache.js';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('TtlCache', () => {
  it('loads a key once while callers wait, and answers from the cache while fresh', async () => {
    let now = 0;
    const cache = new TtlCache<string, number>({ ttlMs: 1_000, now: () => now });
    const loads: string[] = [];
    const pending = deferred<number>();
    const load = (key: string) => {
      loads.push(key);
      return pending.promise;
    };
    const first = cache.get('a', load);
    const second = cache.get('a', load);
    expect(loads).toEqual(['a']);
    pending.resolve(7);
    await expect(first).resolves.toBe(7);
    await expect(second).resolves.toBe(7);
    now = 999;
    await expect(cache.get('a', load)).resolves.toBe(7);
    expect(loads).toEqual(['a']);
    expect(cache.fresh('a')).toEqual({ value: 7 });
  });

  it('loads again once the value is older than the TTL, and keeps the old one as stale', async () => {
    let now = 0;
    const cache = new TtlCache<string, number>({ ttlMs: 1_000, now: () => now });
    let answer = 1;
    const load = async () => answer;
    await cache.get('a', load);
    now = 1_000;
    expect(cache.fresh('a')).toBeUndefined();
    expect(cache.stale('a')).toEqual({ value: 1 });
    answer = 2;
    await expect(cache.get('a', load)).resolves.toBe(2);
  });

  it('does not cache a failure: every waiter sees it, and the next caller loads again', async () => {
    const cache = new TtlCache<string, number>({ ttlMs: 1_000 });
    const pending = deferred<number>();
    let calls = 0;
    const failing = () => {
      calls += 1;
      return pending.promise;
    };
    const first = cache.get('a', failing);
    const second = cache.get('a', failing);
    pending.reject(new Error('upstream down'));
    await expect(first).rejects.toThrow('upstream down');
    await expect(second).rejects.toThrow('upstream down');
    expect(cache.stale('a')).toBeUndefined();
    await expect(cache.get('a', async () => 3)).resolves.toBe(3);
    expect(calls).toBe(1);
  });

  it('caches undefined as an answer', async () => {
    const cache = new TtlCache<string, string | undefined>({ ttlMs: 1_000 });
    let calls = 0;
    const load = async () => {
      calls += 1;
      return undefined;
    };
    await cache.get('nobody', load);
    await cache.get('nobody', load);
    expect(calls).toBe(1);
    expect(cache.fresh('nobody')).toEqual({ value: undefined });
  });

  it('drops the entry written longest ago beyond maxEntries', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: 1_000, maxEntries: 2 });
    const load = async (key: string) => key.toUpperCase();
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(cache.stale('a')).toBeUndefined();
    expect(cache.fresh('b')).toEqual({ value: 'B' });
    expect(cache.fresh('c')).toEqual({ value: 'C' });
  });
});
