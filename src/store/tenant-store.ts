/**
 * One installation's view of the shared relay store (install mode): every relay it creates is
 * stamped with the installation's key, and it finds, lists and changes only relays with that
 * stamp. A relay id or Slack message of another workspace — a forged button value, a copied
 * link — is "not found" here, exactly like an id that never existed, so no workspace can read,
 * revoke or edit another's relays, and nothing of another's record reaches its answers.
 *
 * Lists are filtered after the read (the recent list read further for it): a workspace's list may
 * come back shorter than `limit` only where other workspaces' relays fill far more than the page.
 * The sweeps that must see every
 * relay (takeovers, owed answers, retention) read the shared store itself, not this view.
 */
import type { CreateResult, Expectation, RelayStore } from '../relay/ports/store.js';
import { RelayNotFoundError, StoreConflictError } from '../relay/ports/store-errors.js';
import type { RelayChange, RelayRecord, RelayStatus, SlackMessageRef } from '../relay/types.js';
import { matchesExpected } from './record-utils.js';

export class TenantRelayStore implements RelayStore {
  constructor(
    private readonly shared: RelayStore,
    /** The installation key every relay of this view carries (`T:…` or `E:…`). */
    readonly installation: string,
  ) {}

  #mine = (record: RelayRecord | undefined): RelayRecord | undefined =>
    record?.installation === this.installation ? record : undefined;

  #allMine = (records: RelayRecord[]): RelayRecord[] =>
    records.filter((record) => record.installation === this.installation);

  async create(record: RelayRecord): Promise<CreateResult> {
    const result = await this.shared.create({ ...record, installation: this.installation });
    // Request keys and Slack messages name their team, so another workspace's relay cannot be the
    // one found here; were it ever, it is refused rather than shown.
    if (!result.created && !this.#mine(result.existing)) {
      throw new StoreConflictError({ ...record, installation: this.installation });
    }
    return result;
  }

  async findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined> {
    return this.#mine(await this.shared.findBySlackMessage(ref));
  }

  async findById(id: string): Promise<RelayRecord | undefined> {
    return this.#mine(await this.shared.findById(id));
  }

  async findByRequestKey(requestKey: string): Promise<RelayRecord | undefined> {
    return this.#mine(await this.shared.findByRequestKey(requestKey));
  }

  async update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord> {
    const guarded = (current: RelayRecord) =>
      current.installation === this.installation && matchesExpected(current, expected);
    try {
      return await this.shared.update(id, change, guarded);
    } catch (error) {
      // Another workspace's relay is not there for this one, and its record is never handed back.
      if (error instanceof StoreConflictError && !this.#mine(error.current)) throw new RelayNotFoundError(id);
      throw error;
    }
  }

  async listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]> {
    return this.#allMine(await this.shared.listBySender(slackUserId, limit));
  }

  /**
   * Other workspaces' relays share the store's recent list: it is read further than `limit` (20
   * times, up to 5,000), so busy neighbours do not crowd this workspace's list out.
   */
  async listRecent(limit: number): Promise<RelayRecord[]> {
    const read = Math.min(Math.max(limit * 20, 200), 5_000);
    return this.#allMine(await this.shared.listRecent(Math.max(limit, read))).slice(0, limit);
  }

  async listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]> {
    return this.#allMine(await this.shared.listBySource(ref, limit));
  }

  async listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]> {
    return this.#allMine(await this.shared.listByStatus(statuses, limit));
  }

  async listOwed(limit: number): Promise<RelayRecord[]> {
    return this.#allMine(await this.shared.listOwed(limit));
  }

  /** Retention runs once over the shared store (bridge-installs.ts), not per workspace. */
  async prune(): Promise<number> {
    return 0;
  }

  ping(): Promise<void> {
    return this.shared.ping();
  }

  /** The shared store outlives every workspace's view of it. */
  async close(): Promise<void> {}
}

/**
 * The shared store as install mode's sweeps see it: every relay, but only those lists' relays that
 * `keep` says a connected workspace can carry on (takeovers, owed answers). Writes go through as
 * they are: a claimed relay is then handed to its own workspace's bridge.
 */
export class SweptRelayStore implements RelayStore {
  constructor(
    private readonly shared: RelayStore,
    private readonly keep: (record: RelayRecord) => boolean,
  ) {}

  create(record: RelayRecord): Promise<CreateResult> {
    return this.shared.create(record);
  }
  findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined> {
    return this.shared.findBySlackMessage(ref);
  }
  findById(id: string): Promise<RelayRecord | undefined> {
    return this.shared.findById(id);
  }
  findByRequestKey(requestKey: string): Promise<RelayRecord | undefined> {
    return this.shared.findByRequestKey(requestKey);
  }
  update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord> {
    return this.shared.update(id, change, expected);
  }
  listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]> {
    return this.shared.listBySender(slackUserId, limit);
  }
  listRecent(limit: number): Promise<RelayRecord[]> {
    return this.shared.listRecent(limit);
  }
  listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]> {
    return this.shared.listBySource(ref, limit);
  }
  async listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]> {
    return (await this.shared.listByStatus(statuses, limit)).filter(this.keep);
  }
  async listOwed(limit: number): Promise<RelayRecord[]> {
    return (await this.shared.listOwed(limit)).filter(this.keep);
  }
  prune(olderThan: number): Promise<number> {
    return this.shared.prune(olderThan);
  }
  ping(): Promise<void> {
    return this.shared.ping();
  }
  async close(): Promise<void> {}
}
