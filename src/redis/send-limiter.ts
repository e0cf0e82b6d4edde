/**
 * The per-user send limit shared by every replica through Redis (relay/send-rate.ts has the
 * contract). One sorted set per Slack user, a member per relay started, scored by the Redis
 * server's clock (TIME), never a replica's; one Lua script prunes, counts and takes a slot
 * atomically, so two replicas cannot both take a user's last one.
 *
 * Key (`<p>` is REDIS_KEY_PREFIX): `<p>sendrate:{<slackUserId>}`; it expires a window after its
 * newest slot, so idle users leave nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SEND_RATE_WINDOW_MS, type SendRateLimiter, type SendSlot } from '../relay/send-rate.js';
import { redact } from './connection.js';
import { lua, runScript } from './script.js';

/**
 * KEYS window; ARGV limit, windowMs, member ('' only looks). → 0 (go, slot taken if a member was
 * given) | ms to wait until the oldest slot that must go has left the window.
 */
const TAKE = lua(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  if ARGV[3] ~= '' then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
  end
  return 0
end
local edge = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return math.max(1, tonumber(edge[2]) + window - now)
`);

export interface RedisSendLimiterOptions {
  /** A ready connection; the limiter does not close it (its owner does). */
  redis: Redis;
  limit: number;
  windowMs?: number;
  /** Default `fxb:`, as the Redis store. */
  keyPrefix?: string;
  /** Strings cut out of error messages (the Redis URL and password). */
  secrets?: readonly string[];
}

export class RedisSendLimiter implements SendRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #secrets: readonly string[];

  constructor(options: RedisSendLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new Error('RedisSendLimiter needs a limit of at least 1 (no limiter means no limit)');
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? SEND_RATE_WINDOW_MS;
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? 'fxb:';
    this.#secrets = options.secrets ?? [];
  }

  keyOf(userId: string): string {
    return `${this.#prefix}sendrate:{${userId}}`;
  }

  async waitFor(userId: string): Promise<number> {
    return this.#run(userId, '');
  }

  async take(userId: string): Promise<SendSlot | { retryAfterMs: number }> {
    const member = randomUUID();
    const wait = await this.#run(userId, member);
    if (wait > 0) return { retryAfterMs: wait };
    return {
      release: async () => {
        await this.#call(() => this.#redis.zrem(this.keyOf(userId), member));
      },
    };
  }

  async #run(userId: string, member: string): Promise<number> {
    const answer = await this.#call(() =>
      runScript(this.#redis, TAKE, [this.keyOf(userId)], [this.limit, this.windowMs, member]),
    );
    if (typeof answer !== 'number') throw new Error('The Redis send-limit script gave an unexpected reply');
    return answer;
  }

  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new Error(`The shared per-user send limit (Redis) failed: ${redact(error, this.#secrets)}`, {
        cause: error,
      });
    }
  }
}
