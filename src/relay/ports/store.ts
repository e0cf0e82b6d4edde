/**
 * The relay map as the core needs it: a port the core owns and every store implements (memory,
 * SQLite, Redis, PostgreSQL), each passing `test/store/contract.ts`. store/interface.ts re-exports it.
 */
import type { RelayChange, RelayRecord, RelayStatus, SlackMessageRef } from '../types.js';

/**
 * What `update` checks before it writes: a status, one of several, or any condition on the
 * current record (a lease, a version). The condition must be pure: a store may call it again.
 */
export type Expectation = RelayStatus | readonly RelayStatus[] | ((current: RelayRecord) => boolean);

export type CreateResult = { created: true; record: RelayRecord } | { created: false; existing: RelayRecord };

/**
 * The durable Slack↔Fxiaoke map. Every implementation passes `test/store/contract.ts`.
 *
 * Uniqueness: `requestKey` is unique, and `slack` (team, channel, ts) is unique when set.
 * Both `create` and `update` enforce it atomically.
 */
export interface RelayStore {
  /** Inserts the record unless one exists with the same requestKey or Slack message. */
  create(record: RelayRecord): Promise<CreateResult>;
  findBySlackMessage(ref: SlackMessageRef): Promise<RelayRecord | undefined>;
  findById(id: string): Promise<RelayRecord | undefined>;
  findByRequestKey(requestKey: string): Promise<RelayRecord | undefined>;
  /**
   * Applies `change` and bumps `updatedAt`. With `expected`, applies only if the current status
   * is one of them, or the condition holds (compare-and-set), else throws `StoreConflictError` carrying the current record.
   * Throws `RelayNotFoundError` for an unknown id, `SlackMessageTakenError` when `change.slack`
   * is already used by another relay.
   */
  update(id: string, change: RelayChange, expected?: Expectation): Promise<RelayRecord>;
  /** Most recent first. */
  listBySender(slackUserId: string, limit: number): Promise<RelayRecord[]>;
  /** Every sender's relays, most recent first (createdAt, then id), up to `limit` (admins' App Home). */
  listRecent(limit: number): Promise<RelayRecord[]>;
  /**
   * Every relay whose source is this Slack message (`source.slack`: the first relay of it and its
   * deliberate repeats, whatever became of them), oldest first (createdAt, then id), up to `limit`.
   */
  listBySource(ref: SlackMessageRef, limit: number): Promise<RelayRecord[]>;
  /** Every relay in one of these statuses (takeovers look for work in progress: relay/lifecycle.ts IN_WORK). */
  listByStatus(statuses: readonly RelayStatus[], limit: number): Promise<RelayRecord[]>;
  /**
   * Every relay whose sender is owed an answer (`owed` set: work ended, the sender not told yet),
   * oldest first (createdAt, then id), up to `limit`: takeovers tell what a stopped process owed.
   */
  listOwed(limit: number): Promise<RelayRecord[]>;
  /**
   * Retention: deletes every relay created before `olderThan` (epoch ms, exclusive) whose status
   * is prunable (relay/lifecycle.ts PRUNABLE_STATUSES), with its index entries, and returns how many
   * went. Relays in work are kept whatever their age: takeovers need them.
   */
  prune(olderThan: number): Promise<number>;
  /** Cheap round trip for readiness probes; throws when the store is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
