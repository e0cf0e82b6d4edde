/**
 * Settings edited in Slack on Redis: `<p>settings:<scope>` is a hash (version, overrides), and
 * `<p>settings-audit:<scope>` a list of audit entries, newest at the head. The write is a script,
 * so the version check, the write and the audit entry land together. No migration: these keys are
 * new, and nothing older has them.
 */
import type { Redis } from 'ioredis';
import {
  auditFromJson,
  auditJson,
  overridesFromJson,
  overridesJson,
  type SettingsAuditEntry,
  type SettingsOverrides,
  type SettingsStorePort,
  type StoredSettings,
} from '../settings/port.js';
import { lua, runScript } from './script.js';

const WRITE = lua(`
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'version', current + 1, 'overrides', ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[3])
return current + 1`);

export class RedisSettings implements SettingsStorePort {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #run: <T>(operation: () => Promise<T>) => Promise<T>;

  /** `run` turns failures into StoreErrors, as the relay store's calls do. */
  constructor(redis: Redis, prefix: string, run: <T>(operation: () => Promise<T>) => Promise<T>) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#run = run;
  }

  #key(scope: string): string {
    return `${this.#prefix}settings:${scope}`;
  }

  #auditKey(scope: string): string {
    return `${this.#prefix}settings-audit:${scope}`;
  }

  read(scope: string): Promise<StoredSettings> {
    return this.#run(async () => {
      const [version, overrides] = await this.#redis.hmget(this.#key(scope), 'version', 'overrides');
      return version && overrides
        ? { version: Number(version), overrides: overridesFromJson(overrides) }
        : { version: 0, overrides: {} };
    });
  }

  version(scope: string): Promise<number> {
    return this.#run(async () => Number((await this.#redis.hget(this.#key(scope), 'version')) ?? 0));
  }

  write(
    scope: string,
    overrides: SettingsOverrides,
    expectedVersion: number,
    audit: SettingsAuditEntry,
  ): Promise<number | undefined> {
    const keys = [this.#key(scope), this.#auditKey(scope)];
    const args = [overridesJson(overrides), String(expectedVersion), auditJson(audit)];
    return this.#run(async () => {
      const version = Number(await runScript(this.#redis, WRITE, keys, args));
      return version === 0 ? undefined : version;
    });
  }

  audit(scope: string, limit: number): Promise<SettingsAuditEntry[]> {
    return this.#run(async () => {
      if (limit <= 0) return [];
      const entries = await this.#redis.lrange(this.#auditKey(scope), 0, limit - 1);
      return entries.map(auditFromJson);
    });
  }
}
