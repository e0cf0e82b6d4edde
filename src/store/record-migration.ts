/**
 * The record half of the store migration to typed held statuses and sources, shared by every
 * store so they agree on it. Up to fx-bridge 0.1.0 (commit 60952d1) a held relay was `failed`
 * with no batches and error kind `held`, `held_cancelled` or `held_confirmed`, and no record had
 * a `source`. Each store runs this over its records when it opens (SQLite: schema version 2;
 * Redis: a scan guarded per record); it is idempotent, so running it twice changes nothing.
 */
import { HELD, HELD_CANCELLED, HELD_CONFIRMED } from '../relay/hold.js';
import { sourceOf } from '../relay/ids.js';
import type { RelayRecord, RelayStatus } from '../relay/types.js';

const HELD_STATUS_OF_ERROR: Readonly<Record<string, RelayStatus>> = {
  [HELD]: 'held',
  [HELD_CANCELLED]: 'cancelled',
  [HELD_CONFIRMED]: 'confirmed',
};

/**
 * The record in today's shape, or undefined when it already is. Only `status` and `source`
 * change; the error stays as the explanation, every other field as it was.
 */
export function migrateRecord(record: RelayRecord): RelayRecord | undefined {
  let next: RelayRecord | undefined;
  const heldStatus =
    record.status === 'failed' && record.batches.length === 0 && record.error
      ? HELD_STATUS_OF_ERROR[record.error.kind]
      : undefined;
  if (heldStatus) next = { ...record, status: heldStatus };
  if (!record.source) {
    const source = sourceOf(record);
    if (source) next = { ...(next ?? record), source };
  }
  return next;
}
