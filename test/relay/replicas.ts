/**
 * Replicas of the relay core on one real SQLite file (a store that is not exclusive, so leases are
 * compared across instance ids), one Fxiaoke fake and one hand-driven clock, with the Slack edits
 * of one relayed message: for relay-level tests of work several processes share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type RelayDeps, relayDeps } from '../../src/relay/deps.js';
import type { MessageChange } from '../../src/relay/sync.js';
import type { EditStamp, RelayRecord, SyncMode } from '../../src/relay/types.js';
import { openSqliteStore, type SqliteRelayStore } from '../../src/store/sqlite-store.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { FakeFxiaoke } from './fake-fxiaoke.js';
import { defaultTimings, RecordingLog, START, testSettings } from './relay-deps.js';

let dir: string | undefined;
let store: SqliteRelayStore | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  store = undefined;
  dir = undefined;
});

export const QUIET_MS = 3_000;
export const REF = { teamId: 'T0TEST', channelId: 'C0ORIGIN', ts: '1700000500.000100' };

export interface World {
  /** Replica A and replica B: one store, one Fxiaoke, one clock. */
  a: RelayDeps;
  b: RelayDeps;
  fake: FakeFxiaoke;
  clock: { now: number };
  /** One more replica on the same store, e.g. one that starts after the others stopped. */
  replica(instanceId: string): RelayDeps;
}

export function world(sync: { edits?: SyncMode; deletes?: SyncMode; quietMs?: number } = {}): World {
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-replicas-'));
  const clock = { now: START };
  const opened = openSqliteStore({ path: join(dir, 'relays.db'), now: () => clock.now });
  store = opened;
  const fake = new FakeFxiaoke();
  const settings = testSettings({ sync: { edits: 'auto', deletes: 'auto', quietMs: QUIET_MS, ...sync } });
  const replica = (instanceId: string) =>
    relayDeps({
      ...defaultTimings(),
      store: opened,
      fxiaoke: fake,
      settings,
      log: new RecordingLog(),
      now: () => clock.now,
      instanceId,
      exclusiveStore: false,
    });
  return { a: replica('fxb_a'), b: replica('fxb_b'), fake, clock, replica };
}

/** A relay of the message REF, sent: one batch out with a message id. */
export async function sentRelay(w: World, overrides: Partial<RelayRecord> = {}): Promise<RelayRecord> {
  const record = makeRecord({
    status: 'sent',
    slack: REF,
    text: 'price 100',
    batches: [makeBatch(0, { status: 'sent', traceId: 'E-0', messageId: 'msg-0' })],
    ...overrides,
  });
  await w.a.store.create(record);
  return record;
}

let events = 0;
/** The sender's edit of the message REF, made at `at`. */
export function edit(text: string, at: EditStamp): MessageChange {
  return {
    kind: 'edit',
    eventId: `Ev${++events}`,
    ref: REF,
    authorId: 'U0SENDER',
    editorId: 'U0SENDER',
    fromBot: false,
    text,
    previousText: undefined,
    edit: at,
  };
}

export const at = (second: number, micros: number): EditStamp => ({
  editedTs: `1700000${second}.000000`,
  eventTs: `1700000${second}.${String(micros).padStart(6, '0')}`,
});
