import type { Redis } from 'ioredis';
import type { InstallationStorePort } from '../installs/port.js';
import {
  RELAY_STATUSES,
  type RelayChange,
  type RelayRecord,
  type RelayStatus,
  type SlackMessageRef,
} from '../relay/types.js';
import {
  RelayNotFoundError,
  SlackMessageTakenError,
  StoreConflictError,
  StoreError,
} from '../store/errors.js';
import type { CreateResult, Expectation, RelayStore } from '../store/interface.js';
import {
  applyChange,
  isPrunable,
  matchesExpected,
  newestFirst,
  normalizeLimit,
  oldestFirst,
  PRUNABLE_STATUSES,
} from '../store/record-utils.js';
import type { RelayPage, ScannableStore } from '../store/scan.js';
import { connectRedis, redact } from './connection.js';
import { RedisInstallations } from './installations.js';
import { migrateRelays } from './relay-store-migration.js';
import { countRelays, scanRelays } from './relay-store-scan.js';
import { CREATE, DELETE, LIST, LOOKUP, RedisKeys, UPDATE } from './relay-store-scripts.js';
import { type LuaScript, runScript } from './script.js';
import { RedisSettings } from './settings.js';

export interface RedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Put in front of every key, so several deployments (or test runs) can share one database. */
  keyPrefix?: string;
  now?: () => number;
  /** Milliseconds to wait for the TCP (and TLS) connection; default 5000. */
  connectTimeout?: number;
}

/** Optimistic rounds an update gets before giving up; each lost round means another write won. */
const MAX_UPDATE_ATTEMPTS = 50;
/** Relays fetched per round trip while pruning. */
const PRUNE_PAGE = 200;

/**
 * Connects, checks the server answers (and the database number exists), and only then hands out
 * the store, so a wrong STORE_URL fails at start instead of at the first Slack command.
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<RedisRelayStore> {
  const { redis, secrets } = await connectRedis(options.url, options.connectTimeout ?? 5_000);
  const store = new RedisRelayStore(redis, { keyPrefix: options.keyPrefix, now: options.now, secrets });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

interface StoreSettings {
  keyPrefix?: string;
  now?: () => number;
  secrets?: string[];
}

/**
 * RelayStore on Redis, for several replicas sharing one map. Writes are Lua scripts (see
 * relay-store-scripts.ts); updates are optimistic: read, check and merge in TypeScript with the same
 * helpers as the other stores, then a script writes only if the record is unchanged, else retry.
 */
export class RedisRelayStore implements RelayStore, ScannableStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #now: () => number;
  readonly #secrets: readonly string[];
  #closing: Promise<void> | undefined;
  #installations: InstallationStorePort | undefined;
  #settings: RedisSettings | undefined;

  constructor(redis: Redis, settings: StoreSettings = {}) {
    this.#redis = redis;
    this.#keys = new RedisKeys(settings.keyPrefix ?? 'fxb:');
    this.#now = settings.now ?? Date.now;
    this.#secrets = settings.secrets ?? [];
  }

  async create(record: RelayRecord): Promise<CreateResult> {
    const json = JSON.stringify(record);
    const stored = parseRecord(json);
    const k = this.#keys;
    const keys = [
      k.relay(record.id),
      k.request(record.requestKey),
      k.sender(record.senderId),
      k.status(record.status),
    ];
    if (record.slack) keys.push(k.message(record.slack));
    if (record.source?.slack) keys.push(k.source(record.source.slack));
    keys.push(k.owed);
    const flags = [record.slack ? '1' : '0', record.source?.slack ? '1' : '0', record.owed ? '1' : '0'];
    const args = [json, record.id, String(record.createdAt), k.relayPrefix, ...flags];
    const [outcome, existing] = await this.#run(async () => reply(await this.#eval(CREATE, keys, args)));
    if (outcome === 'created') return { created: true, record: stored };
    if (outcome === 'exists') return { created: false, existing: this.#pointed(existing) };
    // Ids are generated, so a clash is a bug in the caller, not a duplicate delivery.
    throw new StoreError(`A relay with id ${record.id} already exists under another request key`);
  }

  /** Install mode's installations, under the same key prefix (redis/installations.ts). */
  get installations(): InstallationStorePort {
    this.#installations ??= new RedisInstallations(
      this.#redis,
      this.#keys.prefix,
      (operation) => this.#run(operation),
      this.#now,
    );
    return this.#installations;
  }

  /** Settings edited in Slack and their audit list, under the same key prefix (redis/settings.ts). */
  get settingsOverrides(): RedisSettings {
    this.#settings ??= new RedisSettings(this.#redis, this.#keys.prefix, (operation) => this.#run(operation));
    return this.#settings;
  }

  async findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined> {
    return this.#lookup(this.#keys.message(ref));
  }

  async findById(id: string): Promise<RelayRecord | undefined> {
    return this.#run(async () => parseOptional(await this.#redis.get(this.#keys.relay(id))));
  }

  async findByRequestKey(requestKey: string): Promise<RelayRecord | undefined> {
    return this.#lookup(this.#keys.request(requestKey));
  }

  async update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord> {
    return this.#run(async () => {
      for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt += 1) {
        const json = await this.#redis.get(this.#keys.relay(id));
        if (json === null) throw new RelayNotFoundError(id);
        const current = parseRecord(json);
        if (!matchesExpected(current, expected)) throw new StoreConflictError(current);
        const nextJson = JSON.stringify(applyChange(current, change, this.#now()));
        const next = parseRecord(nextJson);
        const call = this.#updateCall(current, json, next, nextJson);
        const [outcome, owner] = reply(await this.#eval(UPDATE, ...call));
        if (outcome === 'ok') return next;
        if (outcome === 'missing') throw new RelayNotFoundError(id);
        if (outcome === 'taken') throw new SlackMessageTakenError(this.#pointed(owner));
        // 'changed': another write landed between our read and our script; judge it afresh.
      }
      throw new StoreError(`Relay ${id} kept changing under ${MAX_UPDATE_ATTEMPTS} update attempts`);
    });
  }

  async listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]> {
    return this.#list([this.#keys.sender(slackUserId)], limit, 'newest');
  }

  async listRecent(limit: number): Promise<RelayRecord[]> {
    // Every relay is in exactly one status set, so together they index all relays by createdAt.
    return this.#list(
      RELAY_STATUSES.map((status) => this.#keys.status(status)),
      limit,
      'newest',
    );
  }

  async listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]> {
    return this.#list([this.#keys.source(ref)], limit, 'oldest');
  }

  async listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]> {
    const keys = [...new Set(statuses)].map((status) => this.#keys.status(status));
    return this.#list(keys, limit, 'oldest');
  }

  async listOwed(limit: number): Promise<RelayRecord[]> {
    return this.#list([this.#keys.owed], limit, 'oldest');
  }

  async prune(olderThan: number): Promise<number> {
    return this.#run(async () => {
      if (Number.isNaN(olderThan)) return 0;
      // '(' makes the bound exclusive; ±inf spelled the way Redis reads them.
      const max = olderThan === Infinity ? '+inf' : olderThan === -Infinity ? '-inf' : `(${olderThan}`;
      let deleted = 0;
      for (const status of PRUNABLE_STATUSES) {
        const key = this.#keys.status(status);
        // Entries we had to leave (a record that would not stop changing) stay in front; skip them.
        let offset = 0;
        for (;;) {
          const ids = await this.#redis.zrange(key, '-inf', max, 'BYSCORE', 'LIMIT', offset, PRUNE_PAGE);
          // Concurrent calls share the one connection, so a page costs a couple of round trips.
          const outcomes = await Promise.all(ids.map((id) => this.#pruneOne(id, status, olderThan)));
          deleted += outcomes.filter((o) => o === 'deleted').length;
          offset += outcomes.filter((o) => o === 'kept').length;
          if (ids.length < PRUNE_PAGE) break;
        }
      }
      return deleted;
    });
  }

  /**
   * Brings records written by older versions into today's shape (relay-store-migration.ts); run by
   * openRedisStore. Returns how many records it rewrote.
   */
  async migrate(): Promise<number> {
    return this.#run(() => migrateRelays(this.#redis, this.#keys));
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  /** ScannableStore (store/scan.ts): Redis's SCAN cursor over the relay keys (relay-store-scan.ts). */
  async scan(cursor: string | undefined, limit: number): Promise<RelayPage> {
    return this.#run(() => scanRelays(this.#redis, this.#keys, cursor, limit));
  }

  async count(): Promise<number> {
    return this.#run(() => countRelays(this.#redis, this.#keys));
  }

  async close(): Promise<void> {
    // QUIT lets pending replies arrive first; a connection that is down has nothing to wait for.
    this.#closing ??= this.#redis.status === 'ready' ? this.#quit() : this.#disconnect();
    await this.#closing;
  }

  async #disconnect(): Promise<void> {
    this.#redis.disconnect();
  }

  async #quit(): Promise<void> {
    try {
      await this.#redis.quit();
    } catch {
      // The server went away first; dropping our side is all that is left to do.
      this.#redis.disconnect();
    }
  }

  /**
   * Deletes one relay listed under `listed` if it is still due. Says whether it left that status
   * set ('deleted', or 'gone' when someone else moved or deleted it) or stays there ('kept').
   */
  async #pruneOne(id: string, listed: RelayStatus, olderThan: number): Promise<'deleted' | 'gone' | 'kept'> {
    const k = this.#keys;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const json = await this.#redis.get(k.relay(id));
      if (json === null) {
        // Deleted since we listed it; also drops the status entry should it have been left dangling.
        await this.#eval(DELETE, [k.relay(id), k.status(listed)], ['', id]);
        return 'gone';
      }
      const record = parseRecord(json);
      if (!isPrunable(record, olderThan)) return record.status === listed ? 'kept' : 'gone';
      const keys = [
        k.relay(id),
        k.status(record.status),
        k.request(record.requestKey),
        k.sender(record.senderId),
      ];
      if (record.slack) keys.push(k.message(record.slack));
      if (record.source?.slack) keys.push(k.source(record.source.slack));
      keys.push(k.owed);
      const flags = [record.slack ? '1' : '0', record.source?.slack ? '1' : '0'];
      const outcome = await this.#eval(DELETE, keys, [json, id, ...flags]);
      if (outcome === 'deleted') return 'deleted';
    }
    return 'kept';
  }

  /** KEYS and ARGV of the UPDATE script for moving `current` to `next`. */
  #updateCall(
    current: RelayRecord,
    currentJson: string,
    next: RelayRecord,
    nextJson: string,
  ): [string[], string[]] {
    const k = this.#keys;
    const keys = [k.relay(current.id), k.status(current.status), k.status(next.status)];
    if (current.slack) keys.push(k.message(current.slack));
    if (next.slack) keys.push(k.message(next.slack));
    keys.push(k.owed);
    const flags = [current.slack ? '1' : '0', next.slack ? '1' : '0', next.owed ? '1' : '0'];
    const args = [currentJson, nextJson, current.id, String(next.createdAt), k.relayPrefix];
    return [keys, [...args, ...flags]];
  }

  async #lookup(indexKey: string): Promise<RelayRecord | undefined> {
    return this.#run(async () => {
      const json = await this.#eval(LOOKUP, [indexKey], [this.#keys.relayPrefix]);
      return typeof json === 'string' ? parseRecord(json) : undefined;
    });
  }

  /** The first `limit` relays of the given sorted sets together, by createdAt then id. */
  async #list(keys: string[], limit: number, first: 'newest' | 'oldest'): Promise<RelayRecord[]> {
    const count = normalizeLimit(limit);
    return this.#run(async () => {
      if (count === 0 || keys.length === 0) return [];
      const args = [String(count - 1), first === 'newest' ? '1' : '0', this.#keys.relayPrefix];
      const found = await this.#eval(LIST, keys, args);
      const records = (Array.isArray(found) ? found : []).map((json) => parseRecord(String(json)));
      // Each set comes back in order; several statuses still need merging (and sorting is cheap).
      return records.sort(first === 'newest' ? newestFirst : oldestFirst).slice(0, count);
    });
  }

  /** The record an index pointed at inside a script; empty means the index outlived its record. */
  #pointed(json: string | undefined): RelayRecord {
    if (!json) throw new StoreError('A Redis index points at a relay that no longer exists');
    return parseRecord(json);
  }

  /** Runs a script by hash, sending its source only the first time a server sees it. */
  #eval(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return runScript(this.#redis, script, keys, args);
  }

  /** Callers can rely on every failure being a StoreError; the Redis error stays as the cause. */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing) throw new StoreError('The Redis store is closed');
    try {
      return await operation();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`Redis store failed: ${redact(error, this.#secrets)}`, { cause: error });
    }
  }
}

/** A script's array reply as [outcome, payload]. */
function reply(value: unknown): [string, string | undefined] {
  if (!Array.isArray(value) || typeof value[0] !== 'string') {
    throw new StoreError('A Redis script gave an unexpected reply');
  }
  return [value[0], typeof value[1] === 'string' ? value[1] : undefined];
}

function parseRecord(json: string): RelayRecord {
  return JSON.parse(json) as RelayRecord;
}

function parseOptional(json: string | null): RelayRecord | undefined {
  return json === null ? undefined : parseRecord(json);
}
