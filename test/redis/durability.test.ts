/**
 * What a Redis keeps, read from real private redis-servers (never the shared one on 6379, whose
 * settings other tests rely on): the eviction policy and persistence through CONFIG GET, and
 * through INFO on a server that disables CONFIG as managed Redis does; the start refusal and the
 * run-time watch (redis/durability-watch.ts) driven check by check.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePersistence, describePolicy, inspectRedis } from '../../src/redis/durability.js';
import { openRedisDurabilityWatch, type RedisDurabilityWatch } from '../../src/redis/durability-watch.js';
import { StoreConfigurationError } from '../../src/store/errors.js';
import { PrivateRedis, redisServerAvailable } from '../redis-server.js';

const available = redisServerAvailable('Redis durability (private redis-server)');

interface Line {
  level: 'info' | 'warn' | 'error' | 'debug';
  message: string;
}

function captureLog(): { lines: Line[]; log: Parameters<typeof openRedisDurabilityWatch>[0]['log'] } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (_details: object, message: string) => lines.push({ level, message });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } };
}

describe.skipIf(!available)('Redis durability (private redis-servers)', () => {
  let evicting: PrivateRedis | undefined;
  let managed: PrivateRedis | undefined;
  let admin: Redis;
  let managedAdmin: Redis;
  const watches: RedisDurabilityWatch[] = [];

  beforeAll(async () => {
    evicting = await PrivateRedis.create('durability', [
      '--maxmemory',
      '2mb',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
    // Managed Redis (ElastiCache, Azure, …) renames CONFIG away; policy and AOF are still in INFO.
    managed = await PrivateRedis.create('durability', [
      '--maxmemory-policy',
      'volatile-lru',
      '--rename-command',
      'CONFIG',
      '',
    ]);
    admin = new Redis(evicting!.url, { maxRetriesPerRequest: 1 });
    managedAdmin = new Redis(managed!.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await Promise.all(watches.map((watch) => watch.close()));
    admin?.disconnect();
    managedAdmin?.disconnect();
    await evicting?.cleanup();
    await managed?.cleanup();
  });

  it('reads the policy and the persistence with CONFIG GET', async () => {
    const found = await inspectRedis(admin);
    expect(found).toMatchObject({
      policy: 'allkeys-lru',
      maxmemory: 2 * 1024 * 1024,
      aof: true,
      appendfsync: 'always',
      save: '',
      evictedKeys: 0,
      unchecked: [],
    });
    expect(describePolicy(found)).toBe('allkeys-lru (maxmemory 2mb)');
    expect(describePersistence(found)).toBe('AOF (appendfsync always)');

    await admin.config('SET', 'appendonly', 'no');
    await admin.config('SET', 'save', '900 1');
    expect(describePersistence(await inspectRedis(admin))).toBe('RDB snapshots (save 900 1)');
    await admin.config('SET', 'save', '');
    expect(describePersistence(await inspectRedis(admin))).toBe('none');
    await admin.config('SET', 'appendonly', 'yes');
  });

  it('falls back to INFO where CONFIG is disabled, and names what it could not read', async () => {
    await expect(managedAdmin.config('GET', 'save')).rejects.toThrow(/unknown command/i);
    const found = await inspectRedis(managedAdmin);
    expect(found).toMatchObject({ policy: 'volatile-lru', maxmemory: 0, aof: true, save: undefined });
    expect(found.unchecked).toHaveLength(1);
    expect(found.unchecked[0]).toMatch(
      /^the RDB snapshot schedule \(save\) and appendfsync: the server refuses CONFIG GET \(ERR unknown command 'config'/i,
    );
    expect(describePersistence(found)).toBe('AOF (appendfsync unknown) and RDB snapshots unknown');
  });

  it('refuses an evicting policy before writing anything, read from CONFIG or from INFO', async () => {
    for (const [server, client, policy] of [
      [evicting!, admin, 'allkeys-lru (maxmemory 2mb)'],
      [managed!, managedAdmin, 'volatile-lru (no maxmemory)'],
    ] as const) {
      const { lines, log } = captureLog();
      const opening = openRedisDurabilityWatch({
        url: server.url,
        keyPrefix: 'fxb:',
        allowEviction: false,
        log,
      });
      await expect(opening).rejects.toBeInstanceOf(StoreConfigurationError);
      const message = await opening.catch((error: Error) => error.message);
      expect(message).toContain(`maxmemory-policy is ${policy}`);
      expect(message).toContain('Set maxmemory-policy noeviction');
      expect(message).toContain('REDIS_ALLOW_EVICTION=true');
      expect(await client.dbsize()).toBe(0);
      expect(lines).toEqual([]);
    }
  });

  it('with REDIS_ALLOW_EVICTION starts, warns, and still notices keys evicted, once', async () => {
    const { lines, log } = captureLog();
    const watch = await openRedisDurabilityWatch({
      url: evicting!.url,
      keyPrefix: 'fxb-allowed:',
      allowEviction: true,
      log,
      everyMs: 60_000, // driven by check() below
    });
    watches.push(watch);
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      expect.stringMatching(
        /^the Redis store evicts keys \(maxmemory-policy allkeys-lru\) and REDIS_ALLOW_EVICTION=true lets fx-bridge start/,
      ),
    ]);
    expect(watch.status()).toEqual({
      name: 'redis',
      problem: undefined,
      settings: { maxmemoryPolicy: 'allkeys-lru', persistence: 'AOF (appendfsync always)' },
    });

    // Fill past maxmemory: Redis evicts.
    const filler = 'x'.repeat(10_000);
    for (let round = 0; round < 100; round += 1) {
      const batch = admin.pipeline();
      for (let n = 0; n < 50; n += 1) batch.set(`filler:${round}:${n}`, filler);
      await batch.exec();
      if (((await inspectRedis(admin)).evictedKeys ?? 0) > 0) break;
    }
    await watch.check();
    await watch.check();
    expect(watch.status().problem).toMatch(/^keys (evicted \(\d+ since start\)|lost \(sentinel key gone\))$/);
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('on a managed Redis with a safe policy, starts and says plainly what it could not check', async () => {
    await managedAdmin.flushdb();
    const server = await PrivateRedis.create('durability', [
      '--rename-command',
      'CONFIG',
      '',
      '--appendonly',
      'no',
    ]);
    try {
      const { lines, log } = captureLog();
      const watch = await openRedisDurabilityWatch({
        url: server!.url,
        keyPrefix: 'fxb:',
        allowEviction: false,
        log,
      });
      watches.push(watch);
      expect(watch.status()).toEqual({
        name: 'redis',
        problem: undefined,
        settings: { maxmemoryPolicy: 'noeviction', persistence: 'AOF off, RDB snapshots unknown' },
      });
      expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
        expect.stringMatching(
          /^Redis store: could not check the RDB snapshot schedule \(save\) and appendfsync: the server refuses CONFIG GET/,
        ),
      ]);
      await watch.close();
    } finally {
      await server?.cleanup();
    }
  });
});
