/**
 * The relay facade: what front doors may ask, each door call within the intake deadline, with the
 * undo of a write that lands after the door said nothing was taken.
 */
import { describe, expect, it, vi } from 'vitest';
import { sendRelay } from '../../src/relay/carry-out.js';
import { relayFacade } from '../../src/relay/facade.js';
import { isHeld } from '../../src/relay/hold.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { FakePeople, slackProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

/** Store updates wait at a gate the test opens: a write that lands after the door gave up. */
function gatedUpdates(relay: ReturnType<typeof testRelay>) {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let landed = 0;
  const real = relay.store;
  const store = new Proxy(real, {
    get(target, property) {
      if (property === 'update') {
        return async (...args: Parameters<typeof real.update>) => {
          await gate;
          const result = await target.update(...args);
          landed++;
          return result;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, open, landed: () => landed };
}

function sentRecord(overrides: Partial<RelayRecord> = {}): RelayRecord {
  return makeRecord({
    senderId: 'U0SENDER',
    status: 'sent',
    batches: [makeBatch(0, { status: 'sent', traceId: 'E-1', messageId: 'msg-1' })],
    ...overrides,
  });
}

describe('relayFacade: door calls within the intake deadline', () => {
  it('a revoke claim that lands late is given back: the relay is as it was, and revocable again', async () => {
    const relay = testRelay();
    const record = sentRecord();
    await relay.store.create(record);
    const { store, open, landed } = gatedUpdates(relay);
    const facade = relayFacade({ ...relay.deps, store, intakeTimeoutMs: 5 });

    expect(await facade.receiveRevoke({ relayId: record.id }, 'U0SENDER')).toEqual({ type: 'unavailable' });
    open();
    // The claim lands, then its undo: two writes.
    await vi.waitFor(() => expect(landed()).toBe(2));
    await vi.waitFor(async () => {
      const now = await relay.store.findById(record.id);
      expect(now?.revokeRequest).toBeUndefined();
      expect(now?.status).toBe('sent');
      expect(now?.lease).toBeUndefined();
    });
    const again = await relayFacade(relay.deps).receiveRevoke({ relayId: record.id }, 'U0SENDER');
    expect(again).toMatchObject({ type: 'received', claimed: [{ id: record.id, status: 'revoking' }] });
  });

  it('a confirmation that lands late puts the relay back on hold', async () => {
    const relay = testRelay();
    const deps = { ...relay.deps, people: new FakePeople([]), profiles: slackProfiles() };
    const held = await sendRelay(deps, {
      requestKey: 'command:T0TEST:trigger.1',
      senderId: 'U0SENDER',
      senderName: 'bob',
      originChannelId: 'C0GENERAL',
      channelName: 'general',
      recipientsInput: ['<@U0STRANGER|carol>', 'FSUID_S1'],
      text: 'Quarterly numbers',
    });
    if (held.type !== 'held') throw new Error(`expected held, got ${held.type}`);
    const { store, open, landed } = gatedUpdates(relay);
    const facade = relayFacade({ ...deps, store, intakeTimeoutMs: 5 });

    expect(await facade.receiveConfirmation(held.record.id, 'U0SENDER')).toEqual({ type: 'unavailable' });
    open();
    await vi.waitFor(() => expect(landed()).toBe(2));
    await vi.waitFor(async () => {
      const now = await relay.store.findById(held.record.id);
      expect(now && isHeld(now)).toBe(true);
    });
    expect(relay.fake.sends).toHaveLength(0);
  });

  it('splits a message revoke into the relays claimed and the answers that need no call', async () => {
    const relay = testRelay();
    const ref = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000500' };
    const first = sentRecord({ slack: ref, requestKey: 'message:T0TEST:C0GENERAL:1700000000.000500' });
    const repeat = sentRecord({
      slack: undefined,
      requestKey: 'message:T0TEST:C0GENERAL:1700000000.000500#2',
      status: 'revoked',
    });
    await relay.store.create(first);
    await relay.store.create(repeat);
    const received = await relayFacade(relay.deps).receiveRevoke({ message: ref }, 'U0SENDER');
    expect(received).toMatchObject({
      type: 'received',
      claimed: [{ id: first.id, status: 'revoking' }],
      answered: [{ type: 'already_revoked', record: { id: repeat.id } }],
    });
  });

  it('revokes the relay a receipt names in the moment before the receipt’s ts is recorded, and only then', async () => {
    const relay = testRelay();
    const receipt = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000900' };
    // Its receipt is posted; the write of its ts has not landed yet.
    const sending = sentRecord({ slack: undefined, status: 'pending' });
    await relay.store.create(sending);
    const facade = relayFacade(relay.deps);
    expect(await facade.receiveRevoke({ message: receipt }, 'U0SENDER')).toMatchObject({
      answered: [{ type: 'not_found' }],
    });
    const named = await facade.receiveRevoke({ message: receipt, named: sending.id }, 'U0SENDER');
    // Found, and answered as a relay still sending is: not "not relayed by fx-bridge".
    expect(named).toMatchObject({ answered: [{ type: 'in_progress', record: { id: sending.id } }] });

    // A relay keyed by another message is not taken through a message that names it.
    const elsewhere = sentRecord({
      slack: { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000950' },
      requestKey: 'command:T0TEST:trigger.elsewhere',
    });
    await relay.store.create(elsewhere);
    expect(await facade.receiveRevoke({ message: receipt, named: elsewhere.id }, 'U0SENDER')).toMatchObject({
      claimed: [],
      answered: [{ type: 'not_found' }],
    });
    expect((await relay.store.findById(elsewhere.id))?.status).toBe('sent');
  });
});

describe('relayFacade: lists', () => {
  it('lists a sender’s own relays, and everyone’s for an admin', async () => {
    const relay = testRelay();
    const mine = sentRecord({ senderId: 'U0SENDER' });
    const theirs = sentRecord({ senderId: 'U0OTHER' });
    await relay.store.create(mine);
    await relay.store.create(theirs);
    const facade = relayFacade(relay.deps);
    const own = await facade.listFor('U0SENDER', 10);
    expect(own.admin).toBe(false);
    expect(own.records.map((record) => record.id)).toEqual([mine.id]);
    const all = await facade.listFor('U0ADMIN', 10);
    expect(all.admin).toBe(true);
    expect(all.records.map((record) => record.id).sort()).toEqual([mine.id, theirs.id].sort());
  });
});

describe('relayFacade: work under a lease', () => {
  it('hands over an edit recorded beside the work once the work leaves the relay free', async () => {
    const relay = testRelay();
    const record = sentRecord({ status: 'revoking', lease: { owner: 'fxb_dead', until: 0 } });
    await relay.store.create(record);
    const facade = relayFacade(relay.deps);
    const ran = await facade.underLease(record, async () => {
      // While the work runs, the message is edited (recorded beside it); the work then finishes.
      await relay.store.update(record.id, {
        slackChanges: { waiting: { kind: 'edit', text: 'later', edits: 1, firstAt: 1, lastAt: 1 } },
      });
      await relay.store.update(record.id, { status: 'sent', lease: undefined });
    });
    expect(ran).toBe(true);
    const handed = await relay.store.findById(record.id);
    expect(handed?.status).toBe('changed');
    expect(handed?.lease).toBeUndefined();
    expect(handed?.slackChanges?.waiting).toMatchObject({ text: 'later', previousStatus: 'sent' });
    // keepLease too; a relay with nothing waiting is left as it is.
    const other = sentRecord();
    await relay.store.create(other);
    expect(await facade.keepLease(other.id, async () => 'done')).toBe('done');
    expect(await relay.store.findById(other.id)).toStrictEqual(other);
  });
});
