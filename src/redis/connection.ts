import { Redis } from 'ioredis';
import { StoreError } from '../store/errors.js';
import { redisUrlProblem } from '../store/location.js';

export interface RedisConnection {
  redis: Redis;
  /** Strings that must never appear in an error message (the URL, its password). */
  secrets: string[];
}

/**
 * Opens a ready ioredis connection or throws a StoreError that says why without the URL. The
 * password never reaches a message: STORE_URL is often pasted into logs and tickets.
 */
export async function connectRedis(url: string, connectTimeout: number): Promise<RedisConnection> {
  const { tls, db, secrets } = parseRedisUrl(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout,
    // Fail a command after a few reconnect attempts instead of queueing it for minutes (default 20).
    maxRetriesPerRequest: 3,
    // ioredis only turns TLS on for a lower-case "rediss://"; the URL parser lower-cased ours.
    ...(tls ? { tls: {} } : {}),
  });
  let lastError: unknown;
  // Without a listener ioredis prints every reconnect failure; callers see failures as rejections.
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await redis.connect();
    // ioredis selects the database itself but only reports a failure as an event and stays on 0.
    if (db !== undefined) await redis.select(db);
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    // connect() itself only says "Connection is closed."; the error event has the reason.
    const cause = lastError ?? error;
    throw new StoreError(`Could not connect to the Redis store: ${redact(cause, secrets)}`, { cause });
  }
  return { redis, secrets };
}

interface RedisUrlParts {
  tls: boolean;
  db: number | undefined;
  /** Strings that must never appear in an error message. */
  secrets: string[];
}

function parseRedisUrl(url: string): RedisUrlParts {
  const problem = redisUrlProblem(url);
  if (problem) throw new StoreError(`STORE_URL ${problem}`);
  const parsed = new URL(url);
  const path = /^\/?(\d*)$/.exec(parsed.pathname);
  const secrets = [url, parsed.password, safeDecode(parsed.password)].filter((s) => s.length > 0);
  return { tls: parsed.protocol === 'rediss:', db: path?.[1] ? Number(path[1]) : undefined, secrets };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An error's message with anything secret cut out. */
export function redact(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) text = text.split(secret).join('***');
  return text;
}
