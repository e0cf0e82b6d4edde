/**
 * What a Redis server will keep of the map: whether it evicts keys under memory pressure
 * (`maxmemory-policy`) and whether it writes anything to disk (`appendonly`, `appendfsync`, `save`).
 *
 * Read with CONFIG GET. Managed Redis often disables CONFIG (renamed away, or an ACL without
 * `+config`); then the policy and whether AOF is on come from INFO, and what INFO cannot show
 * (the RDB `save` schedule, `appendfsync`) is named in `unchecked` instead of being guessed.
 */
import type { Redis } from 'ioredis';
import { connectRedis, redact } from './connection.js';

/** The only policy that never drops a key: a full Redis refuses writes instead (the store says so). */
export const SAFE_POLICY = 'noeviction';

export interface RedisDurability {
  /** `maxmemory-policy`; undefined when neither CONFIG GET nor INFO showed it. */
  policy: string | undefined;
  /** `maxmemory` in bytes (0: no limit); undefined when unknown. */
  maxmemory: number | undefined;
  /** `appendonly`; undefined when unknown. */
  aof: boolean | undefined;
  /** `appendfsync` (`always`, `everysec`, `no`); undefined when unknown. */
  appendfsync: string | undefined;
  /** `save` (the RDB snapshot schedule; '' means none); undefined when unknown. */
  save: string | undefined;
  /** INFO's `evicted_keys`: keys this server evicted since it started (or CONFIG RESETSTAT). */
  evictedKeys: number | undefined;
  /** INFO's `run_id`: changes when the server restarts (and its counters start again at 0). */
  runId: string | undefined;
  /** What could not be read, and why, in words for an operator. */
  unchecked: string[];
}

/** Every policy but noeviction drops keys once maxmemory is reached (`volatile-*` only keys with a TTL). */
export function evicts(policy: string | undefined): boolean {
  return policy !== undefined && policy !== SAFE_POLICY;
}

/** True when the server certainly writes nothing to disk: a restart forgets every relay. */
export function persistsNothing(durability: RedisDurability): boolean {
  return durability.aof === false && durability.save === '';
}

/** Reads the settings and counters; throws only when the server cannot be reached at all. */
export async function inspectRedis(redis: Redis, secrets: readonly string[] = []): Promise<RedisDurability> {
  const info = parseInfo(await redis.info());
  const unchecked: string[] = [];
  const fromConfig = await readConfig(redis).catch((error: unknown) => {
    const why = redact(error, secrets).split('\n')[0];
    unchecked.push(
      `the RDB snapshot schedule (save) and appendfsync: the server refuses CONFIG GET (${why}); ` +
        'the eviction policy and AOF were read from INFO instead',
    );
    return undefined;
  });
  const policy = fromConfig?.policy ?? info.get('maxmemory_policy');
  if (policy === undefined) unchecked.push('the eviction policy (maxmemory-policy): INFO does not show it');
  const aofEnabled = info.get('aof_enabled');
  const aof = fromConfig ? fromConfig.aof : aofEnabled === undefined ? undefined : aofEnabled === '1';
  if (aof === undefined) unchecked.push('whether AOF is on (appendonly): INFO does not show it');
  return {
    policy,
    maxmemory: fromConfig?.maxmemory ?? numberOrUndefined(info.get('maxmemory')),
    aof,
    appendfsync: fromConfig?.appendfsync,
    save: fromConfig?.save,
    evictedKeys: numberOrUndefined(info.get('evicted_keys')),
    runId: info.get('run_id'),
    unchecked,
  };
}

/** Connects, reads, disconnects: for `fx-bridge check`. Throws a StoreError when Redis cannot be reached. */
export async function readRedisDurability(url: string, connectTimeout: number): Promise<RedisDurability> {
  const { redis, secrets } = await connectRedis(url, connectTimeout);
  try {
    return await inspectRedis(redis, secrets);
  } finally {
    redis.disconnect();
  }
}

interface ConfigValues {
  policy: string;
  maxmemory: number | undefined;
  aof: boolean;
  appendfsync: string;
  save: string;
}

/** One CONFIG GET per name: Redis before 7.0 takes a single pattern. */
async function readConfig(redis: Redis): Promise<ConfigValues> {
  const get = async (name: string): Promise<string> => {
    const reply = (await redis.config('GET', name)) as unknown;
    // [name, value]; an unknown name answers [] — a setting this server does not have.
    if (!Array.isArray(reply) || reply.length < 2) throw new Error(`CONFIG GET ${name} answered nothing`);
    return String(reply[1]);
  };
  const [policy = '', maxmemory, appendonly, appendfsync = '', save = ''] = await Promise.all(
    ['maxmemory-policy', 'maxmemory', 'appendonly', 'appendfsync', 'save'].map(get),
  );
  return {
    policy,
    maxmemory: numberOrUndefined(maxmemory),
    aof: appendonly === 'yes',
    appendfsync,
    save: save.trim(),
  };
}

/** INFO's `field:value` lines (every section); `# Section` headers and blanks are skipped. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** `allkeys-lru (maxmemory 2mb)`, `noeviction (no maxmemory)`, or `unknown`. */
export function describePolicy(durability: RedisDurability): string {
  if (durability.policy === undefined) return 'unknown';
  const { maxmemory } = durability;
  if (maxmemory === undefined) return durability.policy;
  return `${durability.policy} (${maxmemory === 0 ? 'no maxmemory' : `maxmemory ${bytes(maxmemory)}`})`;
}

function bytes(count: number): string {
  if (count % (1024 * 1024) === 0) return `${count / (1024 * 1024)}mb`;
  if (count % 1024 === 0) return `${count / 1024}kb`;
  return `${count} bytes`;
}

/** `AOF (appendfsync everysec) and RDB snapshots (save 3600 1)`, `none`, `AOF off, RDB snapshots unknown`, … */
export function describePersistence(durability: RedisDurability): string {
  const { aof, appendfsync, save } = durability;
  if (persistsNothing(durability)) return 'none';
  if (aof === false && save === undefined) return 'AOF off, RDB snapshots unknown';
  const parts: string[] = [];
  if (aof === true) parts.push(`AOF (appendfsync ${appendfsync ?? 'unknown'})`);
  if (aof === undefined) parts.push('AOF unknown');
  if (save === undefined) parts.push('RDB snapshots unknown');
  else if (save !== '') parts.push(`RDB snapshots (save ${save})`);
  return parts.join(' and ');
}

/** What a persistence setting can lose, for the start-up line and `fx-bridge check`. */
export function persistenceRisk(durability: RedisDurability): string | undefined {
  if (persistsNothing(durability)) {
    return 'nothing is written to disk: a Redis restart forgets every relay, and Revoke then answers "not relayed" for copies that are live in Fxiaoke';
  }
  if (durability.aof === true && durability.appendfsync === 'everysec') {
    return 'a Redis crash may lose up to the last second of acknowledged writes';
  }
  if (durability.aof === true && durability.appendfsync === 'no') {
    return 'appendfsync no: a crash may lose the writes of the last 30 s or so (the kernel decides when they reach the disk)';
  }
  if (durability.aof === false && durability.save) {
    return 'RDB snapshots only: a Redis crash loses every write since the last snapshot';
  }
  return undefined;
}
