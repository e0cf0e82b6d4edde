/** Two replicas' clients (two connections, one key prefix) share one Fxiaoke token through Redis. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import type { CachedToken } from '../../src/fxiaoke/token-cache.js';
import type { TokenSource } from '../../src/fxiaoke/token-manager.js';
import { RedisTokenCache } from '../../src/redis/token-cache.js';
import { connect, deleteKeysUnder, keysUnder, prefixes, redisAvailable } from '../redis-helpers.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SCOPE = `header:${CREDS.appId}`;
const available = await redisAvailable('Redis token cache');

describe.skipIf(!available)('RedisTokenCache (real Redis)', () => {
  const keys = prefixes('token');
  let admin: Redis;
  let emulator: FxiaokeEmulator;
  const cleanups: (() => Promise<unknown>)[] = [];
  /** Every wait for the lock, by any cache of the test: they really wait, and the test reads them. */
  const lockWaits: number[] = [];
  const sleep = (ms: number) => {
    lockWaits.push(ms);
    return delay(ms);
  };

  function cache(prefix: string): RedisTokenCache {
    const redis = connect();
    cleanups.push(() => redis.quit());
    return new RedisTokenCache({ redis, keyPrefix: prefix, scope: SCOPE, sleep });
  }

  /** One replica: its own connection and cache on the shared prefix. */
  function replica(prefix: string, appSecret = CREDS.appSecret) {
    const seen: { token: string; source: TokenSource }[] = [];
    const client = new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator.url,
      ...CREDS,
      appSecret,
      authMode: 'header',
      userId: '1000',
      sleep: async () => {},
      tokenCache: cache(prefix),
      onToken: (token, source) => seen.push({ token, source }),
    });
    cleanups.push(() => client.close());
    return { client, seen };
  }

  function sendSplit(a: FxiaokeClient, b: FxiaokeClient, count: number) {
    const to = [emulator.users[0]!.openUserId];
    return Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? a : b).sendText(to, `m${i}`)));
  }

  beforeAll(() => {
    admin = connect();
  });
  afterEach(async () => {
    lockWaits.length = 0;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await emulator?.stop();
    await deleteKeysUnder(admin, keys.run);
  });
  afterAll(async () => {
    await deleteKeysUnder(admin, keys.run);
    await admin.quit();
  });

  it('20 concurrent sends on two replicas make one token fetch; both learn the token for scrubbing', async () => {
    emulator = await FxiaokeEmulator.start();
    const prefix = keys.fresh();
    const a = replica(prefix);
    const b = replica(prefix);
    await sendSplit(a.client, b.client, 20);

    expect(emulator.tokenFetches()).toBe(1);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1);
    expect(a.client.tokens.fetchCount + b.client.tokens.fetchCount).toBe(1);
    expect(emulator.messages).toHaveLength(20);
    const sources = [...a.seen, ...b.seen].map((s) => s.source).sort();
    expect(sources).toEqual(['fetched', 'shared']);
    expect(new Set([...a.seen, ...b.seen].map((s) => s.token)).size).toBe(1);

    // Stored for the token's remaining life (7200 s), under the prefix; the lock is gone.
    const stored = cache(prefix);
    expect(await keysUnder(admin, prefix)).toEqual([stored.keys.token]);
    const ttl = await admin.pttl(stored.keys.token);
    expect(ttl).toBeGreaterThan(7_100_000);
    expect(ttl).toBeLessThanOrEqual(7_200_000);
  });

  it('after the tokens expire (20016), both replicas recover with exactly one more fetch', async () => {
    emulator = await FxiaokeEmulator.start();
    const prefix = keys.fresh();
    const a = replica(prefix);
    const b = replica(prefix);
    await sendSplit(a.client, b.client, 10);
    expect(emulator.tokenFetches()).toBe(1);

    emulator.expireAllTokens();
    await sendSplit(a.client, b.client, 20);
    expect(emulator.tokenFetches()).toBe(2);
    expect(emulator.tokensIssued()).toBe(2);
    expect(emulator.messages).toHaveLength(30);
    // Each replica met the old token refused at least once, then used the new one.
    const latest = a.seen.at(-1)?.token;
    expect(latest).toBeDefined();
    expect(b.seen.at(-1)?.token).toBe(latest);
  });

  it('releases the lock when the fetch fails (wrong secret), so the next attempt is not blocked', async () => {
    emulator = await FxiaokeEmulator.start();
    const prefix = keys.fresh();
    const wrong = replica(prefix, 'not-the-secret');
    const to = [emulator.users[0]!.openUserId];

    const first = await wrong.client.sendText(to, 'x').catch((e: unknown) => e);
    expect(first).toBeInstanceOf(FxiaokeError);
    expect((first as FxiaokeError).kind).toBe('config');
    const lock = cache(prefix).keys.lock;
    expect(await admin.exists(lock)).toBe(0);

    lockWaits.length = 0;
    const second = await wrong.client.sendText(to, 'y').catch((e: unknown) => e);
    expect((second as FxiaokeError).kind).toBe('config');
    expect(lockWaits).toEqual([]); // took the lock at once, not after the lock's 60 s TTL
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);

    // A replica with the right secret gets its token at once.
    const right = replica(prefix);
    await right.client.sendText(to, 'z');
    expect(emulator.tokenFetches()).toBe(1);
  });

  it('invalidate deletes only the token that failed; the lock admits one holder at a time', async () => {
    const prefix = keys.fresh();
    const [one, two] = [cache(prefix), cache(prefix)];
    const token: CachedToken = {
      credentials: { style: 'header', accessToken: 'token-one-0123456789', ea: 'fs123' },
      expiresAt: Date.now() + 7_200_000,
      fetchedAt: Date.now(),
    };
    await one.set(token, 60_000);
    await two.invalidate('some-older-token');
    expect(await two.get()).toEqual(token);
    await two.invalidate('token-one-0123456789');
    expect(await one.get()).toBeUndefined();

    let inside = 0;
    let most = 0;
    const hold = (c: RedisTokenCache) =>
      c.withLock(async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inside -= 1;
      });
    await Promise.all([hold(one), hold(two), hold(one), hold(two)]);
    expect(most).toBe(1);
    expect(await admin.exists(one.keys.lock)).toBe(0);
  });

  it('a lock left by a dead holder expires; garbage in the token key reads as no token', async () => {
    const prefix = keys.fresh();
    const redis = connect();
    cleanups.push(() => redis.quit());
    const short = new RedisTokenCache({ redis, keyPrefix: prefix, scope: SCOPE, lockTtlMs: 200, sleep });
    await admin.set(short.keys.lock, 'someone-who-died', 'PX', 200);
    const holder = await short.withLock(async () => admin.get(short.keys.lock));
    // It waited for the dead holder's lock to expire (Redis's clock, 200 ms), then took it as its own.
    expect(lockWaits.length).toBeGreaterThan(0);
    expect(holder).toMatch(/^[0-9a-f-]{36}$/);

    await admin.hset(short.keys.token, 'token', 'x', 'json', '{"not":"a token"}');
    expect(await short.get()).toBeUndefined();
  });
});
