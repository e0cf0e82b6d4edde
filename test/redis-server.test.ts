/** The private redis-server helper itself: data written before a SIGKILL is there after start(). */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis, redisServerAvailable } from './redis-server.js';

const available = redisServerAvailable('private redis-server helper');

describe.skipIf(!available)('PrivateRedis', () => {
  let server: PrivateRedis | undefined;
  beforeAll(async () => {
    server = await PrivateRedis.create();
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  it('keeps acknowledged writes across a SIGKILL, a SHUTDOWN NOSAVE and restarts on the same port', async () => {
    const redis = server as PrivateRedis;
    expect(redis.port).not.toBe(6379);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    await client.set('before-the-kill', 'kept');
    await client.rpush('list', 'a', 'b');
    await redis.kill();
    expect(redis.running).toBe(false);
    await expect(client.get('before-the-kill')).rejects.toThrow();
    client.disconnect();

    await redis.start();
    const again = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      expect(await again.get('before-the-kill')).toBe('kept');
      expect(await again.lrange('list', 0, -1)).toEqual(['a', 'b']);
      await again.set('before-the-shutdown', 'kept too');
    } finally {
      again.disconnect();
    }
    await redis.stop();
    expect(redis.running).toBe(false);
    await redis.start();
    const third = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      expect(await third.mget('before-the-kill', 'before-the-shutdown')).toEqual(['kept', 'kept too']);
    } finally {
      third.disconnect();
    }
  });
});
