/**
 * The Fxiaoke rate budget shared by every replica through Redis. Each endpoint has a sorted set of
 * grant times; one Lua script prunes it, checks the pause and the (possibly lowered) budget, and
 * either records a grant or answers how long to wait — atomically, so two replicas can never both
 * take the last slot. Times come from the Redis server (TIME), never from the replicas' clocks.
 *
 * Keys (`<p>` is REDIS_KEY_PREFIX; the braces keep both keys of a path in one Cluster slot):
 *   `<p>rate:{<path>}`        sorted set: member a random id per grant, score the grant time (ms)
 *   `<p>rate:{<path>}:state`  hash: pausedUntil, cap, since (only after a 30004/14001)
 * Both expire on their own once idle, so nothing needs cleaning up.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FxiaokeSharedStateError } from '../fxiaoke/errors.js';
import {
  type Decision,
  type EffectiveBudget,
  QueuedRateLimiter,
  type RateLimiterOptions,
} from '../fxiaoke/rate-limiter.js';
import { redact } from './connection.js';
import { type LuaScript, lua, runScript } from './script.js';

export interface RedisRateLimiterOptions extends RateLimiterOptions {
  /** A ready connection; the limiter does not close it (its owner does). */
  redis: Redis;
  /** Default `fxb:`, as the Redis store. */
  keyPrefix?: string;
  /** Strings cut out of error messages (the Redis URL and password). */
  secrets?: readonly string[];
}

/** Lua lines shared by both scripts: the server clock and the budget regained since a penalty. */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local calls, window, step = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[2], 'pausedUntil', 'cap', 'since')
local paused = tonumber(state[1]) or 0
local cap = calls
if state[2] then
  cap = math.min(calls, tonumber(state[2]) + math.floor((now - tonumber(state[3])) / window) * step)
end
`;

/**
 * KEYS grants, state; ARGV calls, windowMs (margin included), step, member (random, names the slot).
 * → {'go', now} | {'wait', ms}
 */
const ACQUIRE = lua(`${PRELUDE}
if now < paused then return {'wait', paused - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return {'go', now}
end
local edge = redis.call('ZRANGE', KEYS[1], n - cap, n - cap, 'WITHSCORES')
return {'wait', math.max(1, tonumber(edge[2]) + window - now)}
`);

/**
 * Pauses the endpoint for pauseMs from the server's now (never shortens a pause) and, once per
 * pause, halves its budget. KEYS grants, state; ARGV calls, windowMs, step, pauseMs. → the budget
 */
const PENALIZE = lua(`${PRELUDE}
if now >= paused then
  cap = math.max(1, math.floor(cap / 2))
  redis.call('HSET', KEYS[2], 'cap', cap, 'since', now)
end
local untilT = now + tonumber(ARGV[4])
if untilT > paused then
  redis.call('HSET', KEYS[2], 'pausedUntil', untilT)
  paused = untilT
end
local regain = math.ceil((calls - cap) / step) * window
redis.call('PEXPIRE', KEYS[2], math.max(paused - now, 0) + regain + window)
return cap
`);

/**
 * The call is over: its slot counts from now. Added back if a call outlasting a window was pruned,
 * since Fxiaoke may have counted it late. KEYS grants, state; ARGV calls, windowMs, step, member.
 */
const FINISH = lua(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`);

export class RedisRateLimiter extends QueuedRateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #secrets: readonly string[];

  constructor(options: RedisRateLimiterOptions) {
    // The local clock only measures waits and converts penalties to durations; Redis keeps the time.
    super({ ...options, now: options.now ?? Date.now });
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? 'fxb:';
    this.#secrets = options.secrets ?? [];
  }

  protected async decide(path: string, budget: EffectiveBudget): Promise<Decision> {
    const slot = randomUUID();
    const answer = await this.#run(ACQUIRE, path, budget, slot);
    if (!Array.isArray(answer) || typeof answer[1] !== 'number') {
      throw new FxiaokeSharedStateError('The Redis rate limiter script gave an unexpected reply');
    }
    return answer[0] === 'go' ? { go: true, at: answer[1], slot } : { go: false, waitMs: answer[1] };
  }

  protected async finish(path: string, slot: string, budget: EffectiveBudget): Promise<void> {
    await this.#run(FINISH, path, budget, slot);
  }

  async penalize(path: string, untilMs: number): Promise<void> {
    const pauseMs = Math.max(0, Math.ceil(untilMs - this.clock()));
    await this.#run(PENALIZE, path, this.budgetFor(path), pauseMs);
  }

  keysOf(path: string): [grants: string, state: string] {
    const base = `${this.#prefix}rate:{${path}}`;
    return [base, `${base}:state`];
  }

  async #run(
    script: LuaScript,
    path: string,
    budget: EffectiveBudget,
    extra: string | number,
  ): Promise<unknown> {
    try {
      return await runScript(this.#redis, script, this.keysOf(path), [
        budget.calls,
        budget.windowMs,
        budget.step,
        extra,
      ]);
    } catch (error) {
      throw new FxiaokeSharedStateError(
        `The shared Fxiaoke rate limit (Redis) failed: ${redact(error, this.#secrets)}`,
        {
          cause: error,
        },
      );
    }
  }
}
