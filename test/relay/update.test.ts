/**
 * Updates at relay level, on a real SQLite file: claimed once (compare-and-set), revoke before
 * send, versions kept, and every crash point resumed by a takeover without a second send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RelayDeps, relayDeps } from '../../src/relay/deps.js';
import { TakenOverError } from '../../src/relay/dispatch.js';
import { revokeRelay } from '../../src/relay/revoke.js';
import { resumePending, takeOverAbandoned } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import {
  carryOutUpdate,
  finishUpdate,
  receiveUpdate,
  recordedUpdateOutcome,
} from '../../src/relay/update.js';
import { openSqliteStore, type SqliteRelayStore } from '../../src/store/sqlite-store.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { deferred, FakeFxiaoke, fxError } from './fake-fxiaoke.js';
import { defaultTimings, RecordingLog, START, testSettings } from './relay-deps.js';

let dir: string | undefined;
let store: SqliteRelayStore | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  store = undefined;
  dir = undefined;
});

interface World {
  deps: RelayDeps;
  fake: FakeFxiaoke;
  clock: { now: number };
  /** The same store and Fxiaoke seen from another process (another instance id). */
  other: (instanceId: string) => RelayDeps;
}

function world(fake = new FakeFxiaoke()): World {
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-update-'));
  const clock = { now: START };
  const opened = openSqliteStore({ path: join(dir, 'relays.db'), now: () => clock.now });
  store = opened;
  let traces = 0;
  const make = (instanceId: string) =>
    relayDeps({
      ...defaultTimings(),
      store: opened,
      fxiaoke: fake,
      settings: testSettings(),
      log: new RecordingLog(),
      now: () => clock.now,
      newThirdTraceId: () => `third-${++traces}`,
      instanceId,
    });
  return { deps: make('fxb_first'), fake, clock, other: make };
}

function sentBatch(index: number) {
  return makeBatch(index, {
    status: 'sent',
    traceId: `E-${index}`,
    messageId: `msg-${index}`,
    sentAt: START,
  });
}

async function sentRelay(w: World, overrides: Partial<RelayRecord> = {}): Promise<RelayRecord> {
  const record = makeRecord({
    status: 'sent',
    text: 'old text',
    content: 'bob (Slack, general):\nold text',
    recipients: ['FSUID_0_A', 'FSUID_0_B'],
    batches: [sentBatch(0)],
    intake: {
      door: 'message',
      teamId: 'T0TEST',
      senderName: 'bob',
      channelName: 'general',
      receivedAt: START,
    },
    sync: {
      seenEvents: [],
      offer: { id: 'of_1', kind: 'edit', text: 'new text', previousText: 'old text', offeredAt: START },
    },
    ...overrides,
  });
  await w.deps.store.create(record);
  return record;
}

const ask = (relayId: string, secondCopy = false) => ({
  relayId,
  actorId: 'U0SENDER',
  offerId: 'of_1',
  secondCopy,
  via: 'button' as const,
});

async function sweep(deps: RelayDeps): Promise<RelayRecord[]> {
  const handed: RelayRecord[] = [];
  await takeOverAbandoned(deps, { legacyStaleMs: 0 }, (record) => handed.push(record));
  return handed;
}

describe('update', () => {
  it('two clicks at once claim it once; the old copy is revoked before the new text goes out', async () => {
    const w = world();
    const record = await sentRelay(w);
    const [a, b] = await Promise.all([
      receiveUpdate(w.deps, ask(record.id)),
      receiveUpdate(w.other('fxb_second'), ask(record.id)),
    ]);
    const accepted = [a, b].filter((each) => each.type === 'accepted');
    expect(accepted).toHaveLength(1);
    expect([a, b].map((each) => each.type).sort()).toEqual(['accepted', 'in_progress']);
    const claimed = (accepted[0] as { record: RelayRecord }).record;
    const outcome = await carryOutUpdate(w.deps, claimed);
    expect(outcome.type).toBe('updated');
    expect(w.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0']);
    expect(w.fake.sends.map((call) => call.content)).toEqual([
      'bob (via Slack #general):\nnew text (edited)',
    ]);
    const stored = await w.deps.store.findById(record.id);
    expect(stored).toMatchObject({ status: 'sent', text: 'new text' });
    expect(stored?.updateRequest).toBeUndefined();
    expect(stored?.versions).toEqual([
      expect.objectContaining({
        number: 1,
        text: 'old text',
        sentAt: record.createdAt,
        batches: [expect.objectContaining({ status: 'revoked', messageId: 'msg-0' })],
      }),
    ]);
    // The same button again: the question is answered.
    expect((await receiveUpdate(w.deps, ask(record.id))).type).toBe('stale');
  });

  it('crash right after the claim: the takeover revokes and sends once', async () => {
    const w = world();
    const record = await sentRelay(w);
    expect((await receiveUpdate(w.deps, ask(record.id))).type).toBe('accepted');
    // fx-bridge died here. The next process (SQLite: the store is its own) sweeps.
    const next = w.other('fxb_next');
    const handed = await sweep(next);
    expect(handed.map((each) => [each.id, each.status, Boolean(each.updateRequest)])).toEqual([
      [record.id, 'revoking', true],
    ]);
    expect((await carryOutUpdate(next, handed[0] as RelayRecord)).type).toBe('updated');
    expect(w.fake.revokes).toHaveLength(1);
    expect(w.fake.sends).toHaveLength(1);
    expect(await sweep(w.other('fxb_third'))).toEqual([]);
  });

  it('crash between revokes: the takeover revokes only what is left, then sends', async () => {
    const w = world();
    const record = await sentRelay(w, { batches: [sentBatch(0), sentBatch(1)] });
    const accepted = await receiveUpdate(w.deps, ask(record.id));
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    // The first revoke went out and was recorded; then the process died.
    const halfway = accepted.record.batches.map((batch, index) =>
      index === 0 ? { ...batch, status: 'revoked' as const, revokedAt: START } : batch,
    );
    await w.deps.store.update(record.id, { batches: halfway });
    const next = w.other('fxb_next');
    const [taken] = await sweep(next);
    expect((await carryOutUpdate(next, taken as RelayRecord)).type).toBe('updated');
    expect(w.fake.revokes.map((call) => call.messageId)).toEqual(['msg-1']);
    expect(w.fake.sends).toHaveLength(1);
  });

  it('crash while the new text was being sent: never sent again, reported as may have been delivered', async () => {
    const w = world();
    const record = await sentRelay(w);
    // The send of the new version hangs: the process dies with the call out.
    w.fake.scriptSend(() => new Promise<never>(() => undefined));
    const accepted = await receiveUpdate(w.deps, ask(record.id));
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    void carryOutUpdate(w.deps, accepted.record);
    // Marked dispatched as its request left (the fake answers never).
    const inFlight = await waitFor(
      w,
      record.id,
      (each) => each.status === 'pending' && each.batches[0]?.dispatchedAt !== undefined,
    );
    expect(w.fake.sends).toHaveLength(1);
    expect(inFlight.versions).toHaveLength(1);
    const next = w.other('fxb_next');
    const [taken] = await sweep(next);
    expect(taken?.updateRequest).toBeDefined();
    const resumed = await resumePending(next, taken as RelayRecord, {});
    expect(resumed.interrupted).toBe(1);
    expect(resumed.record.batches[0]?.status).toBe('unknown');
    expect(resumed.record.batches[0]?.error?.message).toContain('may have been delivered');
    const finished = await finishUpdate(next, resumed.record);
    expect(finished.type).toBe('updated');
    expect(w.fake.sends).toHaveLength(1);
    expect((await w.deps.store.findById(record.id))?.updateRequest).toBeUndefined();
  });

  it('crash while the new text waited for the rate budget: the takeover sends it once; the relay stays updatable and revocable', async () => {
    const w = world();
    const record = await sentRelay(w);
    const budget = deferred();
    w.fake.budget = budget.promise;
    const accepted = await receiveUpdate(w.deps, ask(record.id));
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    const first = carryOutUpdate(w.deps, accepted.record).catch((error: unknown) => error);
    await vi.waitFor(() => expect(w.fake.waiting).toBe(1));
    const queued = await w.deps.store.findById(record.id);
    expect(queued).toMatchObject({ status: 'pending', text: 'new text' });
    expect(queued?.batches[0]?.dispatchedAt).toBeUndefined();
    expect(queued?.versions?.[0]?.batches[0]?.status).toBe('revoked');

    // The process died while the call waited. The next one sends the new text, once.
    w.fake.budget = undefined;
    const next = w.other('fxb_next');
    const [taken] = await sweep(next);
    const resumed = await resumePending(next, taken as RelayRecord, {});
    expect(resumed).toMatchObject({ interrupted: 0, resumed: 1 });
    const finished = await finishUpdate(next, resumed.record);
    expect(finished).toMatchObject({ type: 'updated', keptOld: 0, record: { status: 'sent' } });
    expect(w.fake.sends.map((call) => call.content)).toEqual([
      'bob (via Slack #general):\nnew text (edited)',
    ]);
    // The first process gets its turn too late: the relay is no longer its own, nothing goes out.
    budget.resolve();
    expect(await first).toBeInstanceOf(TakenOverError);
    expect(w.fake.sends).toHaveLength(1);

    // Updatable: a later edit revokes the new copy and sends the next text.
    const again = await receiveUpdate(next, {
      relayId: record.id,
      actorId: 'U0SENDER',
      text: 'newer text',
      secondCopy: false,
      via: 'manual',
    });
    if (again.type !== 'accepted') throw new Error(again.type);
    expect((await carryOutUpdate(next, again.record)).type).toBe('updated');
    // Revocable: the current copy is revoked.
    const revoked = await revokeRelay(next, { target: { relayId: record.id }, actorId: 'U0SENDER' });
    expect(revoked.type).toBe('revoked');
    expect(w.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0', 'msg-1', 'msg-2']);
    expect(w.fake.sends).toHaveLength(2);
  });

  it('a refused revoke sends nothing new, restores the relay and offers the second copy', async () => {
    const w = world();
    const record = await sentRelay(w);
    w.fake.scriptRevoke(fxError({ errorCode: -2, traceId: 'E-REVOKE-NO', path: '/cgi/app/message/revoke' }));
    const accepted = await receiveUpdate(w.deps, ask(record.id));
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    const outcome = await carryOutUpdate(w.deps, accepted.record);
    expect(outcome).toMatchObject({
      type: 'needs_second_copy',
      reason: 'revoke_refused',
      error: { traceId: 'E-REVOKE-NO' },
    });
    expect(w.fake.sends).toHaveLength(0);
    const after = await w.deps.store.findById(record.id);
    expect(after).toMatchObject({
      status: 'sent',
      text: 'old text',
      sync: { offer: { id: 'of_1', text: 'new text' } },
    });
    // The sender agrees: the revoke is tried again, and the new text goes out whatever it says.
    w.fake.scriptRevoke(fxError({ errorCode: -2, traceId: 'E-REVOKE-NO2', path: '/cgi/app/message/revoke' }));
    const second = await receiveUpdate(w.deps, ask(record.id, true));
    if (second.type !== 'accepted') throw new Error(second.type);
    expect(await carryOutUpdate(w.deps, second.record)).toMatchObject({ type: 'updated', keptOld: 1 });
    expect(w.fake.sends).toHaveLength(1);
  });

  it('answers without claiming: someone else, an unchanged text, a failed relay, a stale button', async () => {
    const w = world();
    const record = await sentRelay(w);
    expect((await receiveUpdate(w.deps, { ...ask(record.id), actorId: 'U0OTHER' })).type).toBe('forbidden');
    expect((await receiveUpdate(w.deps, { ...ask(record.id), offerId: 'of_old' })).type).toBe('stale');
    expect(
      (await receiveUpdate(w.deps, { ...ask(record.id), offerId: undefined, text: 'old text' })).type,
    ).toBe('unchanged');
    const failed = await sentRelay(w, { status: 'failed', batches: [makeBatch(0, { status: 'failed' })] });
    expect((await receiveUpdate(w.deps, ask(failed.id))).type).toBe('not_updatable');
    const plain = await sentRelay(w, { serviceId: undefined });
    expect((await receiveUpdate(w.deps, ask(plain.id))).type).toBe('needs_second_copy');
    expect((await w.deps.store.findById(record.id))?.status).toBe('sent');
    expect(w.fake.revokes).toHaveLength(0);
  });
});

describe('the answer owed about an update (owed.ts)', () => {
  it('is written with the final status, to whoever asked, and read back as the live path answered', async () => {
    const w = world();
    const record = await sentRelay(w);
    const accepted = await receiveUpdate(w.deps, { ...ask(record.id), actorId: 'U0ADMIN' });
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    const outcome = await carryOutUpdate(w.deps, accepted.record);
    const stored = (await w.deps.store.findById(record.id)) as RelayRecord;
    expect(stored.owed).toEqual({
      kind: 'update',
      to: 'U0ADMIN',
      owner: w.deps.instanceId,
      until: START + w.deps.leaseMs,
      since: START,
    });
    // What a takeover tells after a kill is what the live path said.
    expect(recordedUpdateOutcome(stored)).toEqual({ ...outcome, record: stored });
  });

  it('is the question about a second copy when an old copy could not be revoked', async () => {
    const w = world();
    const record = await sentRelay(w);
    w.fake.scriptRevoke(fxError({ errorCode: -2, traceId: 'E-REVOKE-NO', path: '/cgi/app/message/revoke' }));
    const accepted = await receiveUpdate(w.deps, ask(record.id));
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    const outcome = await carryOutUpdate(w.deps, accepted.record);
    const stored = (await w.deps.store.findById(record.id)) as RelayRecord;
    expect(stored.owed).toMatchObject({ kind: 'update', to: 'U0SENDER' });
    expect(recordedUpdateOutcome(stored)).toEqual({ ...outcome, record: stored });
  });

  it('after a resume that found a call which may have been delivered, is the interruption notice', async () => {
    const w = world();
    const record = await sentRelay(w);
    w.fake.scriptSend(() => new Promise<never>(() => undefined));
    const accepted = await receiveUpdate(w.deps, ask(record.id));
    if (accepted.type !== 'accepted') throw new Error(accepted.type);
    void carryOutUpdate(w.deps, accepted.record);
    await waitFor(w, record.id, (each) => each.batches[0]?.dispatchedAt !== undefined);
    const next = w.other('fxb_next');
    const [taken] = await sweep(next);
    const resumed = await resumePending(next, taken as RelayRecord, {});
    await finishUpdate(next, resumed.record, { owes: resumed.interrupted > 0 ? 'recovered' : 'update' });
    expect((await w.deps.store.findById(record.id))?.owed).toMatchObject({
      kind: 'recovered',
      owner: 'fxb_next',
    });
  });
});

function waitFor(w: World, id: string, ready: (record: RelayRecord) => boolean): Promise<RelayRecord> {
  return vi.waitFor(
    async () => {
      const record = await w.deps.store.findById(id);
      if (record && ready(record)) return record;
      throw new Error(`relay ${id} never ready: ${record?.status}`);
    },
    { timeout: 10_000, interval: 5 },
  );
}
