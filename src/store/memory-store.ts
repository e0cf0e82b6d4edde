import type { InstallationStorePort } from '../installs/port.js';
import type { RelayChange, RelayRecord, RelayStatus, SlackMessageRef } from '../relay/types.js';
import { RelayNotFoundError, SlackMessageTakenError, StoreConflictError, StoreError } from './errors.js';
import type { CreateResult, Expectation, RelayStore } from './interface.js';
import { MemoryInstallations } from './memory-installations.js';
import { MemorySettings } from './memory-settings.js';
import {
  applyChange,
  copyRecord,
  isPrunable,
  matchesExpected,
  newestFirst,
  normalizeLimit,
  oldestFirst,
} from './record-utils.js';

export interface MemoryRelayStoreOptions {
  now?: () => number;
}

/**
 * Keeps relays in process memory, for tests and ephemeral runs. Every method runs to completion
 * without awaiting, so each call is atomic with respect to the others.
 */
export class MemoryRelayStore implements RelayStore {
  readonly #now: () => number;
  readonly #byId = new Map<string, RelayRecord>();
  readonly #idByRequestKey = new Map<string, string>();
  readonly #idBySlack = new Map<string, string>();
  #closed = false;
  /** Install mode's installations, beside the relays. */
  readonly installations: InstallationStorePort;
  /** Settings edited in Slack and their audit list (settings/port.ts). */
  readonly settingsOverrides = new MemorySettings();

  constructor(options: MemoryRelayStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.installations = new MemoryInstallations(this.#now);
  }

  async create(record: RelayRecord): Promise<CreateResult> {
    this.#assertOpen();
    const existingId =
      this.#idByRequestKey.get(record.requestKey) ??
      (record.slack ? this.#idBySlack.get(slackKey(record.slack)) : undefined);
    if (existingId !== undefined) {
      return { created: false, existing: this.#get(existingId) };
    }
    if (this.#byId.has(record.id)) {
      // Ids are generated, so a clash is a bug in the caller, not a duplicate delivery.
      throw new StoreError(`A relay with id ${record.id} already exists under another request key`);
    }
    const stored = copyRecord(record);
    this.#byId.set(stored.id, stored);
    this.#idByRequestKey.set(stored.requestKey, stored.id);
    if (stored.slack) this.#idBySlack.set(slackKey(stored.slack), stored.id);
    return { created: true, record: copyRecord(stored) };
  }

  async findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined> {
    this.#assertOpen();
    const id = this.#idBySlack.get(slackKey(ref));
    return id === undefined ? undefined : this.#get(id);
  }

  async findById(id: string): Promise<RelayRecord | undefined> {
    this.#assertOpen();
    return this.#byId.has(id) ? this.#get(id) : undefined;
  }

  async findByRequestKey(requestKey: string): Promise<RelayRecord | undefined> {
    this.#assertOpen();
    const id = this.#idByRequestKey.get(requestKey);
    return id === undefined ? undefined : this.#get(id);
  }

  async update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord> {
    this.#assertOpen();
    const current = this.#byId.get(id);
    if (!current) throw new RelayNotFoundError(id);
    if (!matchesExpected(current, expected)) throw new StoreConflictError(copyRecord(current));
    const next = applyChange(current, change, this.#now());
    if (next.slack) {
      const ownerId = this.#idBySlack.get(slackKey(next.slack));
      if (ownerId !== undefined && ownerId !== id) throw new SlackMessageTakenError(this.#get(ownerId));
    }
    if (current.slack) this.#idBySlack.delete(slackKey(current.slack));
    if (next.slack) this.#idBySlack.set(slackKey(next.slack), id);
    this.#byId.set(id, next);
    return copyRecord(next);
  }

  async listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]> {
    this.#assertOpen();
    const matching = [...this.#byId.values()].filter((r) => r.senderId === slackUserId);
    return take(matching.sort(newestFirst), limit);
  }

  async listRecent(limit: number): Promise<RelayRecord[]> {
    this.#assertOpen();
    return take([...this.#byId.values()].sort(newestFirst), limit);
  }

  async listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]> {
    this.#assertOpen();
    const wanted = slackKey(ref);
    const matching = [...this.#byId.values()].filter(
      (r) => r.source?.slack !== undefined && slackKey(r.source.slack) === wanted,
    );
    return take(matching.sort(oldestFirst), limit);
  }

  async listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]> {
    this.#assertOpen();
    const wanted = new Set(statuses);
    const matching = [...this.#byId.values()].filter((r) => wanted.has(r.status));
    return take(matching.sort(oldestFirst), limit);
  }

  async listOwed(limit: number): Promise<RelayRecord[]> {
    this.#assertOpen();
    const matching = [...this.#byId.values()].filter((r) => r.owed !== undefined);
    return take(matching.sort(oldestFirst), limit);
  }

  async prune(olderThan: number): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const record of [...this.#byId.values()]) {
      if (!isPrunable(record, olderThan)) continue;
      this.#byId.delete(record.id);
      this.#idByRequestKey.delete(record.requestKey);
      if (record.slack) this.#idBySlack.delete(slackKey(record.slack));
      deleted += 1;
    }
    return deleted;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    // Mirrors a real store whose connection is gone, so code under test sees the same failure.
    if (this.#closed) throw new StoreError('The memory store is closed');
  }

  #get(id: string): RelayRecord {
    const record = this.#byId.get(id);
    if (!record) throw new StoreError(`Index points at missing relay ${id}`);
    return copyRecord(record);
  }
}

function slackKey(ref: SlackMessageRef): string {
  // JSON keeps the three parts apart even if one of them contains a separator character.
  return JSON.stringify([ref.teamId, ref.channelId, ref.ts]);
}

function take(records: RelayRecord[], limit: number): RelayRecord[] {
  const count = normalizeLimit(limit);
  return records.slice(0, count).map(copyRecord);
}
