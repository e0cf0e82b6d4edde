import { Redis } from 'ioredis';
import { StoreError } from '../store/errors.js';

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

const REDIS_URL_FORM = 'redis://[[user]:password@]host[:port][/db] or rediss://…';

function parseRedisUrl(url: string): RedisUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's error is bare "Invalid URL"; the input itself is not repeated since it may hold a password.
    throw new StoreError(`STORE_URL is not a valid Redis URL; expected ${REDIS_URL_FORM}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new StoreError(`STORE_URL must start with redis:// or rediss://; expected ${REDIS_URL_FORM}`);
  }
  if (parsed.hostname === '') {
    throw new StoreError(`STORE_URL names no Redis host; expected ${REDIS_URL_FORM}`);
  }
  const path = /^\/?(\d*)$/.exec(parsed.pathname);
  if (!path) {
    throw new StoreError(`STORE_URL path must be a database number such as /0; expected ${REDIS_URL_FORM}`);
  }
  const secrets = [url, parsed.password, safeDecode(parsed.password)].filter((s) => s.length > 0);
  return { tls: parsed.protocol === 'rediss:', db: path[1] ? Number(path[1]) : undefined, secrets };
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
