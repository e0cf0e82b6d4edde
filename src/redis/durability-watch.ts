/**
 * A Redis that forgets must be noticed. At start the bridge refuses a server whose
 * `maxmemory-policy` evicts keys (unless REDIS_ALLOW_EVICTION=true) and warns once when nothing is
 * written to disk. While it runs, every few seconds, it looks for the signs that keys were lost:
 *
 * - the sentinel key `<p>sentinel` (no TTL, written at start with SET NX) is gone or holds another
 *   value: keys were evicted, flushed, or Redis restarted without persistence;
 * - INFO's `evicted_keys` rose since start (server-wide: any eviction on this server);
 * - the policy was changed to an evicting one at run time.
 *
 * A loss cannot heal: /readyz stays not ready until the bridge restarts (and accepts the store as it
 * is then). One ERROR line says so when it is first seen, not one per probe or per check.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StoreDurabilityStatus } from '../store/durability.js';
import { StoreConfigurationError } from '../store/errors.js';
import { connectRedis } from './connection.js';
import {
  describePersistence,
  describePolicy,
  evicts,
  inspectRedis,
  persistenceRisk,
  persistsNothing,
  type RedisDurability,
  SAFE_POLICY,
} from './durability.js';

/** How often a running bridge looks for lost keys. */
export const DURABILITY_CHECK_EVERY_MS = 5_000;

export interface DurabilityLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  debug(details: object, message: string): void;
}

export interface RedisDurabilityWatchOptions {
  url: string;
  /** REDIS_KEY_PREFIX, as the store uses it. */
  keyPrefix: string;
  /** REDIS_ALLOW_EVICTION: start (and stay ready) on an evicting policy. Lost keys are still noticed. */
  allowEviction: boolean;
  log: DurabilityLog;
  /** Default DURABILITY_CHECK_EVERY_MS. */
  everyMs?: number;
}

const FIX =
  'Set maxmemory-policy noeviction (redis.conf, `CONFIG SET maxmemory-policy noeviction`, or your provider’s parameter group)';

const HARM =
  'a forgotten relay cannot be revoked (Revoke answers "not relayed" while its copy is live in Fxiaoke), ' +
  'its edits are no longer followed, and a second "Send to Fxiaoke" sends it again';

/** Connects, refuses an evicting policy (before anything is written), warns, writes the sentinel, starts watching. */
export async function openRedisDurabilityWatch(
  options: RedisDurabilityWatchOptions,
): Promise<RedisDurabilityWatch> {
  const { redis, secrets } = await connectRedis(options.url, 5_000);
  try {
    const found = await inspectRedis(redis, secrets);
    if (evicts(found.policy) && !options.allowEviction) {
      throw new StoreConfigurationError(
        `the Redis store evicts keys: maxmemory-policy is ${describePolicy(found)}. Under memory pressure ` +
          `Redis would drop relay records, and then ${HARM}. ${FIX}, or set REDIS_ALLOW_EVICTION=true ` +
          'to start anyway (see docs/deployment.md, "Redis that keeps the map").',
      );
    }
    const watch = new RedisDurabilityWatch(redis, secrets, options, found);
    watch.reportAtStart();
    await watch.check();
    watch.start();
    return watch;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

export class RedisDurabilityWatch {
  readonly #sentinelKey: string;
  #current: RedisDurability;
  /** The sentinel's value this process expects; undefined until it could be written or read. */
  #sentinel: string | undefined;
  /** INFO's run_id and evicted_keys when counting started (a new run_id starts again at 0). */
  #evictions: { runId: string | undefined; baseline: number } | undefined;
  /** The first sign of lost keys (its reason kept up to date); kept until restart. */
  #lost: { kind: 'sentinel' | 'evicted'; reason: string } | undefined;
  #policyProblem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly secrets: readonly string[],
    private readonly options: RedisDurabilityWatchOptions,
    found: RedisDurability,
  ) {
    this.#sentinelKey = `${options.keyPrefix}sentinel`;
    this.#current = found;
  }

  /** The start-up lines: what the server keeps, once. */
  reportAtStart(): void {
    const { log, allowEviction } = this.options;
    const found = this.#current;
    const fields = { maxmemoryPolicy: describePolicy(found), persistence: describePersistence(found) };
    if (evicts(found.policy) && allowEviction) {
      log.warn(
        fields,
        `the Redis store evicts keys (maxmemory-policy ${found.policy}) and REDIS_ALLOW_EVICTION=true lets fx-bridge start: if Redis evicts, ${HARM}. /readyz turns not ready when keys are lost`,
      );
    }
    for (const what of found.unchecked) {
      log.warn(fields, `Redis store: could not check ${what}`);
    }
    if (persistsNothing(found)) {
      log.warn(
        fields,
        `the Redis store persists nothing (appendonly no, save ""): ${persistenceRisk(found)}. Turn on AOF (appendonly yes), or use PostgreSQL for the map (see docs/deployment.md)`,
      );
    } else {
      log.info({ ...fields, risk: persistenceRisk(found) }, 'Redis store durability');
    }
  }

  start(): void {
    const everyMs = this.options.everyMs ?? DURABILITY_CHECK_EVERY_MS;
    this.#timer = setInterval(() => void this.check(), everyMs);
    this.#timer.unref();
  }

  status(): StoreDurabilityStatus {
    return {
      name: 'redis',
      problem: this.#lost?.reason ?? this.#policyProblem,
      settings: {
        maxmemoryPolicy: this.#current.policy ?? 'unknown',
        persistence: describePersistence(this.#current),
      },
    };
  }

  /** One look; a second call while one runs waits for it. Never throws: an unreachable Redis is the store check's business. */
  check(): Promise<void> {
    this.#checking ??= this.#look().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #look(): Promise<void> {
    try {
      const [current, sentinel] = await Promise.all([
        inspectRedis(this.redis, this.secrets),
        this.redis.get(this.#sentinelKey),
      ]);
      this.#current = current;
      this.#checkEvictions(current);
      this.#checkPolicy(current);
      // Last: it may write (the first time), and a full noeviction Redis refuses writes.
      await this.#checkSentinel(sentinel);
    } catch (error) {
      this.options.log.debug({ err: error }, 'could not look for lost Redis keys; will look again');
    }
  }

  async #checkSentinel(value: string | null): Promise<void> {
    if (this.#sentinel === undefined) {
      // First look (or the write failed before): adopt the sentinel another replica wrote, or write it.
      const mine = `${randomUUID()} ${new Date().toISOString()}`;
      const written = await this.redis.set(this.#sentinelKey, mine, 'NX');
      this.#sentinel = written === 'OK' ? mine : ((await this.redis.get(this.#sentinelKey)) ?? undefined);
      return;
    }
    if (value === this.#sentinel) return;
    this.#lose(
      'sentinel',
      'keys lost (sentinel key gone)',
      { sentinelKey: this.#sentinelKey },
      `the Redis store lost keys: ${this.#sentinelKey}, written when fx-bridge started, is ${value === null ? 'gone' : 'overwritten'} (evicted, flushed, or Redis restarted without persistence)`,
    );
  }

  #checkEvictions(current: RedisDurability): void {
    const { evictedKeys: evicted, runId } = current;
    if (evicted === undefined) return;
    const counting = this.#evictions;
    if (counting === undefined) {
      this.#evictions = { runId, baseline: evicted };
      return;
    }
    // A restarted Redis counts from 0 again; CONFIG RESETSTAT lowers the count on the same run.
    if (runId !== counting.runId) this.#evictions = { runId, baseline: 0 };
    else if (evicted < counting.baseline) counting.baseline = evicted;
    const since = evicted - (this.#evictions?.baseline ?? 0);
    if (since <= 0) return;
    this.#lose(
      'evicted',
      `keys evicted (${since} since start)`,
      { evictedKeys: since, maxmemoryPolicy: describePolicy(current) },
      `the Redis store evicted ${since} key${since === 1 ? '' : 's'} since fx-bridge started (INFO evicted_keys, counted for the whole server; maxmemory-policy ${describePolicy(current)})`,
    );
  }

  #checkPolicy(current: RedisDurability): void {
    const problem =
      evicts(current.policy) && !this.options.allowEviction
        ? `maxmemory-policy ${current.policy} evicts keys`
        : undefined;
    if (problem === this.#policyProblem) return;
    const was = this.#policyProblem;
    this.#policyProblem = problem;
    if (problem) {
      this.options.log.error(
        { maxmemoryPolicy: describePolicy(current) },
        `the Redis store's maxmemory-policy was changed to ${current.policy}: Redis may now drop relay records, and then ${HARM}. /readyz reports not ready until it is ${SAFE_POLICY} again. ${FIX}`,
      );
    } else if (was) {
      this.options.log.info(
        { maxmemoryPolicy: describePolicy(current) },
        `the Redis store's maxmemory-policy is ${current.policy ?? 'unknown'} again`,
      );
    }
  }

  /** Keeps the first sign (with its newest count) for /readyz; says it in the log only the first time. */
  #lose(kind: 'sentinel' | 'evicted', reason: string, details: object, what: string): void {
    if (this.#lost) {
      if (this.#lost.kind === kind) this.#lost.reason = reason;
      return;
    }
    this.#lost = { kind, reason };
    this.options.log.error(
      details,
      `${what}: ${HARM}. /readyz reports not ready until fx-bridge is restarted. ${FIX} and give Redis enough maxmemory, then restart fx-bridge (see docs/deployment.md)`,
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#timer) clearInterval(this.#timer);
      await this.#checking;
      if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
      else this.redis.disconnect();
    })();
    return this.#closing;
  }
}
