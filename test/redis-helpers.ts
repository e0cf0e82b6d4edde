/** Shared by every test that needs the real Redis: reach it or skip loudly, unique key prefixes, cleanup. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The URL without its password, fit for a console line. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = parsed.password ? '***' : '';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Probes Redis once; when it is down, says so on the console (a skipped suite must be seen). */
export async function redisAvailable(what: string): Promise<boolean> {
  const available = await reachable(REDIS_URL);
  if (!available) {
    console.warn(
      `\n⚠ Redis not reachable at ${shown(REDIS_URL)} — ${what} tests SKIPPED ` +
        '(start Redis or set REDIS_URL to run them)\n',
    );
  }
  return available;
}

/** A unique key prefix per test, all under one run prefix so cleanup finds every key. */
export function prefixes(suite: string): { run: string; fresh(): string } {
  const run = `fxb-test:${suite}:${randomUUID().slice(0, 8)}:`;
  let count = 0;
  return {
    run,
    fresh: () => {
      count += 1;
      return `${run}${count}:`;
    },
  };
}

export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
}

/** A connection of its own, as each replica has. */
export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}
