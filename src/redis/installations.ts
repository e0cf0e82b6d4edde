/**
 * Installations on Redis: `<p>install:<key>` is a hash (version, record), `<p>installs` a sorted
 * set of the keys (all score 0, so they page by key with ZRANGEBYLEX), `<p>once:<nonce>` a used
 * one-time value that expires by itself. Writes are scripts, so the version and the index move
 * with the record. No migration: these keys are new, and nothing older has them.
 */
import type { Redis } from 'ioredis';
import {
  type InstallationStorePort,
  type InstallationWrite,
  installationFromJson,
  installationJson,
  type StoredInstallation,
} from '../installs/port.js';
import { lua, runScript } from './script.js';

const SAVE = lua(`
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'record', ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return version`);

const REPLACE = lua(`
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'record', ARGV[1])
return 1`);

const REMOVE = lua(`
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])`);

export class RedisInstallations implements InstallationStorePort {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #run: <T>(operation: () => Promise<T>) => Promise<T>;
  readonly #now: () => number;

  /** `run` turns failures into StoreErrors, as the relay store's calls do. */
  constructor(
    redis: Redis,
    prefix: string,
    run: <T>(operation: () => Promise<T>) => Promise<T>,
    now: () => number = Date.now,
  ) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#run = run;
    this.#now = now;
  }

  #key(key: string): string {
    return `${this.#prefix}install:${key}`;
  }

  get #index(): string {
    return `${this.#prefix}installs`;
  }

  save(installation: InstallationWrite): Promise<StoredInstallation> {
    const record = installationJson(installation);
    return this.#run(async () => {
      const keys = [this.#key(installation.key), this.#index];
      const version = Number(await runScript(this.#redis, SAVE, keys, [record, installation.key]));
      return installationFromJson(record, version);
    });
  }

  find(key: string): Promise<StoredInstallation | undefined> {
    return this.#run(async () => {
      const [version, record] = await this.#redis.hmget(this.#key(key), 'version', 'record');
      return version && record ? installationFromJson(record, Number(version)) : undefined;
    });
  }

  replace(installation: InstallationWrite, expectedVersion: number): Promise<boolean> {
    const args = [installationJson(installation), String(expectedVersion)];
    return this.#run(
      async () => (await runScript(this.#redis, REPLACE, [this.#key(installation.key)], args)) === 1,
    );
  }

  remove(key: string): Promise<boolean> {
    return this.#run(
      async () => (await runScript(this.#redis, REMOVE, [this.#key(key), this.#index], [key])) === 1,
    );
  }

  list(after: string | undefined, limit: number): Promise<StoredInstallation[]> {
    return this.#run(async () => {
      if (limit <= 0) return [];
      const from = after === undefined ? '-' : `(${after}`;
      const keys = await this.#redis.zrangebylex(this.#index, from, '+', 'LIMIT', 0, limit);
      const found = await Promise.all(keys.map((key) => this.find(key)));
      return found.filter((installation): installation is StoredInstallation => installation !== undefined);
    });
  }

  useOnce(nonce: string, until: number): Promise<boolean> {
    return this.#run(async () => {
      // PX (relative) rather than PXAT, which needs Redis 6.2; as the token cache's lock does.
      const ttl = Math.max(1, Math.ceil(until - this.#now()));
      const set = await this.#redis.set(`${this.#prefix}once:${nonce}`, '1', 'PX', ttl, 'NX');
      return set === 'OK';
    });
  }
}
