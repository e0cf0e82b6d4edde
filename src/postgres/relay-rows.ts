/**
 * A relay record as rows of `fxb_relays` hold it: the columns it is found by, beside the record
 * itself (jsonb), and the cursor `scan` hands out.
 */
import type { RelayRecord } from '../relay/types.js';
import { StoreError } from '../store/errors.js';
import { fromJsonb, toJsonb } from './jsonb.js';

export const COLUMNS =
  'id, request_key, team_id, channel_id, ts, sender_id, status, ' +
  'source_team_id, source_channel_id, source_ts, created_at, updated_at, record, owed_since';

/** `<created_at>:<id>`, as scan() hands it out. */
export function parseCursor(cursor: string): [number, string] {
  const colon = cursor.indexOf(':');
  const createdAt = Number(cursor.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(createdAt))
    throw new StoreError(`Not a PostgreSQL scan cursor: ${cursor}`);
  return [createdAt, cursor.slice(colon + 1)];
}

/** The column values of a record, in the order of COLUMNS. */
export function rowOf(record: RelayRecord): unknown[] {
  const source = record.source?.slack;
  return [
    record.id,
    record.requestKey,
    record.slack?.teamId ?? null,
    record.slack?.channelId ?? null,
    record.slack?.ts ?? null,
    record.senderId,
    record.status,
    source?.teamId ?? null,
    source?.channelId ?? null,
    source?.ts ?? null,
    Math.floor(record.createdAt),
    Math.floor(record.updatedAt),
    toJsonb(record),
    record.owed ? Math.floor(record.owed.since) : null,
  ];
}

/** What the store gives back for a record it was given: a JSON round trip, as jsonb does. */
export function parseRecord(json: string): RelayRecord {
  return fromJsonb(json) as RelayRecord;
}
