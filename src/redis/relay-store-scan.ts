/**
 * Reading every relay of a Redis store a page at a time (store/scan.ts, for `store copy`): SCAN
 * over the relay keys, whose cursor the server keeps no state for, so a copy can be resumed from
 * it; SCAN returns every key present for the whole scan, some maybe twice.
 */
import type { Redis } from 'ioredis';
import { RELAY_STATUSES, type RelayRecord } from '../relay/types.js';
import type { RelayPage } from '../store/scan.js';
import { globEscape } from './relay-store-migration.js';
import type { RedisKeys } from './relay-store-scripts.js';

export async function scanRelays(
  redis: Redis,
  keys: RedisKeys,
  cursor: string | undefined,
  limit: number,
): Promise<RelayPage> {
  const match = `${globEscape(keys.relayPrefix)}*`;
  const [next, found] = await redis.scan(cursor ?? '0', 'MATCH', match, 'COUNT', Math.max(1, limit));
  const values = found.length > 0 ? await redis.mget(...found) : [];
  const records = values.flatMap((json) => (json === null ? [] : [JSON.parse(json) as RelayRecord]));
  return { records, next: next === '0' ? undefined : next };
}

/** Every relay is in exactly one status set: their sizes add up to the number of relays. */
export async function countRelays(redis: Redis, keys: RedisKeys): Promise<number> {
  const sizes = await Promise.all(RELAY_STATUSES.map((status) => redis.zcard(keys.status(status))));
  return sizes.reduce((sum, size) => sum + size, 0);
}
