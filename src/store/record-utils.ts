/**
 * Record handling shared by every RelayStore, so they agree on merging, copying, ordering and
 * retention down to the last key.
 */
import { PRUNABLE_STATUSES } from '../relay/lifecycle.js';
import type { RelayChange, RelayRecord } from '../relay/types.js';
import type { Expectation } from './interface.js';

/** The fields `update` may touch; anything else in a change (smuggled in by a cast) is ignored. */
const CHANGEABLE_FIELDS = [
  'slack',
  'status',
  'batches',
  'error',
  'revokedBy',
  'revokedAt',
  'content',
  'attachments',
  'format',
  'card',
  'text',
  'recipientsInput',
  'recipients',
  'departments',
  'serviceId',
  'intake',
  'lease',
  'revokeRequest',
  'versions',
  'updateRequest',
  'sync',
  'slackChanges',
  'owed',
] as const satisfies readonly (keyof RelayChange)[];

/**
 * Statuses `prune` may delete: the lifecycle's prunable column (relay/lifecycle.ts). Work in
 * progress is kept however old it is, since a takeover needs it.
 */
export { PRUNABLE_STATUSES };

export function isPrunable(record: RelayRecord, olderThan: number): boolean {
  return record.createdAt < olderThan && PRUNABLE_STATUSES.includes(record.status);
}

export function matchesExpected(current: RelayRecord, expected?: Expectation): boolean {
  if (expected === undefined) return true;
  if (typeof expected === 'function') return expected(current);
  return typeof expected === 'string' ? current.status === expected : expected.includes(current.status);
}

/**
 * Merges the allowed fields of `change` into `current`. A field set to `undefined` is removed,
 * which is also what a JSON-backed store does, so all stores agree on it.
 */
export function applyChange(current: RelayRecord, change: RelayChange, updatedAt: number): RelayRecord {
  const next: RelayRecord = { ...current, updatedAt };
  const target = next as unknown as Record<string, unknown>;
  for (const field of CHANGEABLE_FIELDS) {
    if (Object.hasOwn(change, field)) target[field] = change[field];
  }
  return copyRecord(next);
}

/** A deep copy without `undefined`-valued keys: what a JSON round trip would give back. */
export function copyRecord(record: RelayRecord): RelayRecord {
  return dropUndefined(structuredClone(record));
}

function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) dropUndefined(item);
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (object[key] === undefined) delete object[key];
      else dropUndefined(object[key]);
    }
  }
  return value;
}

/** The order of `listBySender`. */
export function newestFirst(a: RelayRecord, b: RelayRecord): number {
  // Ties break on id so the order matches stores that sort by (createdAt, id) in an index.
  return b.createdAt - a.createdAt || compareStrings(b.id, a.id);
}

/** The order of `listByStatus`. */
export function oldestFirst(a: RelayRecord, b: RelayRecord): number {
  return a.createdAt - b.createdAt || compareStrings(a.id, b.id);
}

function compareStrings(a: string, b: string): number {
  // Plain code-unit order; for our ASCII ids it equals SQLite's BINARY and Redis' lexical order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Non-positive or NaN limits give nothing; an unbounded limit is clamped rather than trusted. */
export function normalizeLimit(limit: number): number {
  if (!(limit > 0)) return 0;
  return Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER);
}
