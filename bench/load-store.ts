/**
 * Where the load sections' bridges keep their relays (`--load-store`): a SQLite file of each
 * instance's own (the default, as `npm start` runs), or a shared store as an operator runs receivers
 * and workers on: a Redis key prefix or a PostgreSQL database of each instance's own, removed when
 * the instance stops. Each instance needs its own: a fresh bridge must not find the last one's relays
 * (a stage that ended with work in hand would be taken over and measured twice).
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BenchDatabase } from './bench-database.js';

export type LoadStoreKind = 'sqlite' | 'redis' | 'postgres';

export interface LoadStore {
  kind: LoadStoreKind;
  redisUrl: string;
  postgresUrl: string;
}

export interface InstanceStore {
  /** STORE_URL, and REDIS_KEY_PREFIX on Redis. */
  env: Record<string, string>;
  /** Deletes what the instance kept (its keys, its database); its SQLite file goes with the run's directory. */
  remove(): Promise<void>;
}

export async function instanceStore(store: LoadStore, name: string, dir: string): Promise<InstanceStore> {
  switch (store.kind) {
    case 'sqlite':
      return { env: { STORE_URL: `sqlite:${join(dir, `${name}.db`)}` }, remove: async () => undefined };
    case 'redis': {
      const prefix = `fxb-bench-load:${Date.now()}-${process.pid}:${name}:`;
      return {
        env: { STORE_URL: store.redisUrl, REDIS_KEY_PREFIX: prefix },
        remove: () => deleteKeys(store.redisUrl, prefix),
      };
    }
    case 'postgres': {
      const database = await BenchDatabase.create(store.postgresUrl);
      return { env: { STORE_URL: database.url }, remove: () => database.drop() };
    }
  }
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  try {
    await deletePrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** UNLINK every key under the prefix (SCAN, not KEYS: Redis may be shared with others' tests). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
