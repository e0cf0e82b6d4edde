/**
 * The Redis half of the store migration (record-migration.ts has the record half): at open, every
 * relay key is scanned and each record that changes is rewritten by the MIGRATE script, which
 * checks the record is unchanged and moves its status entry and adds its source entry with it.
 * Replicas opening together, or serving meanwhile, are safe: a record someone else wrote since
 * is judged afresh, and one already migrated is left alone. `<p>schema` spares later opens the scan.
 */
import type { Redis } from 'ioredis';
import type { RelayRecord } from '../relay/types.js';
import { StoreError } from '../store/errors.js';
import { migrateRecord } from '../store/record-migration.js';
import { MIGRATE, type RedisKeys } from './relay-store-scripts.js';
import { runScript } from './script.js';

/** The record shape every relay has once the migration ran. */
const RECORD_SHAPE = '2';
/** Relay keys asked for per SCAN round. */
const PAGE = 500;
/** Rounds a record gets when other writes keep landing between our read and our script. */
const MAX_ATTEMPTS = 50;

/** Returns how many records it rewrote. */
export async function migrateRelays(redis: Redis, keys: RedisKeys): Promise<number> {
  if ((await redis.get(keys.schema)) === RECORD_SHAPE) return 0;
  let migrated = 0;
  let seen = 0;
  let cursor = '0';
  const match = `${globEscape(keys.relayPrefix)}*`;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', PAGE);
    cursor = next;
    seen += found.length;
    const ids = found.map((key) => key.slice(keys.relayPrefix.length));
    const outcomes = await Promise.all(ids.map((id) => migrateOne(redis, keys, id)));
    migrated += outcomes.filter(Boolean).length;
  } while (cursor !== '0');
  // An empty store has nothing to mark (and its key layout stays the documented one).
  if (seen > 0) await redis.set(keys.schema, RECORD_SHAPE);
  return migrated;
}

async function migrateOne(redis: Redis, keys: RedisKeys, id: string): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const json = await redis.get(keys.relay(id));
    if (json === null) return false;
    const current = JSON.parse(json) as RelayRecord;
    const next = migrateRecord(current);
    if (!next) return false;
    const scriptKeys = [keys.relay(id), keys.status(current.status), keys.status(next.status)];
    if (next.source?.slack) scriptKeys.push(keys.source(next.source.slack));
    const args = [json, JSON.stringify(next), id, String(next.createdAt)];
    const outcome = await runScript(redis, MIGRATE, scriptKeys, args);
    if (outcome === 'ok') return true;
    if (outcome === 'missing') return false;
    // 'changed': written meanwhile (maybe migrated by another replica); judge it afresh.
  }
  throw new StoreError(`Relay ${id} kept changing while it was migrated`);
}

/** A literal for SCAN MATCH: a key prefix may hold glob characters. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
