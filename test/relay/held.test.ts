import { describe, expect, it } from 'vitest';
import type { SendRequest } from '../../src/relay/carry-out.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import {
  cancelHeldRelay,
  confirmHeldRelay,
  receiveHeldConfirmation,
  returnToHold,
} from '../../src/relay/held.js';
import { isHeld } from '../../src/relay/hold.js';
import { messageRequestKey, repeatRequestKey, slackRefOfRequestKey } from '../../src/relay/ids.js';
import { nextSendNumber, relaysOfMessage, revokeMessageRelays } from '../../src/relay/message-relays.js';
import type { SlackMessageRef } from '../../src/relay/types.js';
import { ALICE, FakePeople, GONE, slackProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

const MESSAGE: SlackMessageRef = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000300' };

function setup() {
  const relay = testRelay();
  const deps = { ...relay.deps, people: new FakePeople([ALICE, GONE]), profiles: slackProfiles() };
  return { ...relay, deps, hooks: {} };
}

function request(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    requestKey: 'command:T0TEST:trigger.9',
    senderId: 'U0SENDER',
    senderName: 'bob',
    originChannelId: 'C0GENERAL',
    channelName: 'general',
    recipientsInput: ['<@U0BYMAIL>', '<@U0STRANGER|carol>', 'FSUID_S1'],
    text: 'Quarterly numbers',
    ...overrides,
  };
}

describe('sendRelay with unreachable recipients', () => {
  it('sends nothing and holds the relay, naming who cannot be reached', async () => {
    const { deps, fake, store, hooks } = setup();
    const outcome = await sendRelay(deps, request(), hooks);
    expect(outcome.type).toBe('held');
    if (outcome.type !== 'held') return;
    expect(outcome.unreachable.map((problem) => problem.input)).toEqual(['@carol']);
    expect(fake.sends).toHaveLength(0);
    const held = outcome.record;
    expect(isHeld(held)).toBe(true);
    expect(held).toMatchObject({
      requestKey: 'command:T0TEST:trigger.9',
      recipients: [ALICE.openUserId, 'FSUID_S1'],
      batches: [],
      status: 'held',
      content: 'bob (via Slack #general):\nQuarterly numbers',
    });
    expect(held.slack).toBeUndefined();
    expect(held.error?.message).toContain('@carol');
    // The received request itself waits: the same record goes out on confirmation.
    expect((await store.findByRequestKey('command:T0TEST:trigger.9'))?.id).toBe(held.id);
  });

  it('answers a second delivery of a handled request with its relay, whatever the address book says now', async () => {
    const { deps, hooks } = setup();
    const first = await sendRelay(deps, request({ recipientsInput: ['<@U0BYMAIL>'] }), hooks);
    expect(first.type).toBe('finished');
    const again = await sendRelay(
      deps,
      request({ recipientsInput: ['<@U0STRANGER>', '<@U0BYMAIL>'] }),
      hooks,
    );
    expect(again.type).toBe('duplicate');
  });
});

describe('confirmHeldRelay', () => {
  async function held() {
    const context = setup();
    const outcome = await sendRelay(context.deps, request(), context.hooks);
    if (outcome.type !== 'held') throw new Error(`expected held, got ${outcome.type}`);
    return { ...context, held: outcome.record };
  }

  it('sends the held text to the reachable recipients under the original request key, once', async () => {
    const { deps, fake, store, held: record } = await held();
    const outcome = await confirmHeldRelay(deps, record.id, 'U0SENDER');
    expect(outcome.type).toBe('finished');
    if (outcome.type !== 'finished') return;
    expect(outcome.record).toMatchObject({
      requestKey: 'command:T0TEST:trigger.9',
      status: 'sent',
      recipients: [ALICE.openUserId, 'FSUID_S1'],
      content: record.content,
    });
    expect(fake.sends.map((call) => call.toUser)).toEqual([[ALICE.openUserId, 'FSUID_S1']]);
    // The held record itself went out: one record from request to relay.
    expect(outcome.record.id).toBe(record.id);
    expect((await store.findById(record.id))?.intake?.confirmedBy).toBe('U0SENDER');
    // A second click (or one on another replica) sends nothing more.
    const again = await confirmHeldRelay(deps, record.id, 'U0SENDER');
    expect(again).toMatchObject({ type: 'already_confirmed', relay: { id: outcome.record.id } });
    expect(fake.sends).toHaveLength(1);
  });

  it('keys a relay of a Slack message by that message when confirmed', async () => {
    const { deps, hooks } = setup();
    const outcome = await sendRelay(
      deps,
      request({ requestKey: messageRequestKey(MESSAGE), slack: MESSAGE }),
      hooks,
    );
    if (outcome.type !== 'held') throw new Error(outcome.type);
    expect(outcome.record.slack).toBeUndefined();
    const confirmed = await confirmHeldRelay(deps, outcome.record.id, 'U0SENDER');
    expect(confirmed).toMatchObject({ type: 'finished', record: { slack: MESSAGE } });
    expect((await deps.store.findBySlackMessage(MESSAGE))?.status).toBe('sent');
  });

  it('lets only the sender confirm, and nobody confirm what does not exist', async () => {
    const { deps, fake, held: record } = await held();
    expect(await confirmHeldRelay(deps, record.id, 'U0ADMIN')).toMatchObject({ type: 'forbidden' });
    expect(await confirmHeldRelay(deps, 'rl_nothing', 'U0SENDER')).toEqual({ type: 'not_found' });
    const sent = await sendRelay(
      deps,
      request({ requestKey: 'command:T0TEST:other', recipientsInput: ['FSUID_S1'] }),
    );
    if (sent.type !== 'finished') throw new Error(sent.type);
    expect(await confirmHeldRelay(deps, sent.record.id, 'U0SENDER')).toEqual({ type: 'not_found' });
    expect(fake.sends).toHaveLength(1);
  });

  it('cancels: nothing is sent, and a later confirmation says it was cancelled', async () => {
    const { deps, fake, store, held: record } = await held();
    expect(await cancelHeldRelay(deps, record.id, 'U0OTHER')).toMatchObject({ type: 'forbidden' });
    const cancelled = await cancelHeldRelay(deps, record.id, 'U0SENDER');
    expect(cancelled).toMatchObject({ type: 'cancelled', record: { error: { kind: 'held_cancelled' } } });
    expect(await confirmHeldRelay(deps, record.id, 'U0SENDER')).toMatchObject({ type: 'cancelled' });
    expect(fake.sends).toHaveLength(0);
    expect((await store.findByRequestKey('command:T0TEST:trigger.9'))?.error?.kind).toBe('held_cancelled');
  });
});

describe('relays of one Slack message', () => {
  it('finds the relay keyed by the message and every numbered repeat, and revokes them all', async () => {
    const { deps } = setup();
    expect(await relaysOfMessage(deps.store, MESSAGE)).toEqual([]);
    expect(nextSendNumber([])).toBe(1);
    const send = (requestKey: string, slack?: SlackMessageRef) =>
      sendRelay(deps, request({ requestKey, slack, recipientsInput: ['FSUID_S1'] }));
    await send(messageRequestKey(MESSAGE), MESSAGE);
    await send(repeatRequestKey(MESSAGE, 2));
    await send(repeatRequestKey(MESSAGE, 3));
    await send(repeatRequestKey({ ...MESSAGE, ts: '9.9' }, 2));
    const found = await relaysOfMessage(deps.store, MESSAGE);
    expect(found.map((relay) => [relay.n, relay.record.requestKey])).toEqual([
      [1, 'message:T0TEST:C0GENERAL:1700000000.000300'],
      [2, 'message:T0TEST:C0GENERAL:1700000000.000300#2'],
      [3, 'message:T0TEST:C0GENERAL:1700000000.000300#3'],
    ]);
    expect(nextSendNumber(found)).toBe(4);
    const outcomes = await revokeMessageRelays(deps, MESSAGE, 'U0SENDER');
    expect(outcomes.map((outcome) => outcome.type)).toEqual(['revoked', 'revoked', 'revoked']);
    expect(await revokeMessageRelays(deps, { ...MESSAGE, ts: '0.1' }, 'U0SENDER')).toEqual([
      { type: 'not_found' },
    ]);
  });

  it('reads the Slack message back from a message request key, and only from one', () => {
    expect(slackRefOfRequestKey(messageRequestKey(MESSAGE))).toEqual(MESSAGE);
    expect(slackRefOfRequestKey(repeatRequestKey(MESSAGE, 2))).toBeUndefined();
    expect(slackRefOfRequestKey('command:T0TEST:1.2.3')).toBeUndefined();
  });
});

describe('returnToHold', () => {
  it('puts a confirmation the sender was told was not taken back on hold, to be confirmed again', async () => {
    const { deps, fake, store, hooks } = setup();
    const outcome = await sendRelay(deps, request(), hooks);
    if (outcome.type !== 'held') throw new Error(`expected held, got ${outcome.type}`);
    const received = await receiveHeldConfirmation(deps, outcome.record.id, 'U0SENDER');
    if (received.type !== 'accepted') throw new Error(`expected accepted, got ${received.type}`);
    expect((await store.findById(outcome.record.id))?.status).toBe('received');
    await returnToHold(deps, received.record);
    const back = await store.findById(outcome.record.id);
    expect(back).toMatchObject({ status: 'held', batches: [], error: { kind: 'held' } });
    expect(back?.lease).toBeUndefined();
    expect((await store.listByStatus(['held'], 10)).map((record) => record.id)).toEqual([outcome.record.id]);
    expect(fake.sends).toHaveLength(0);
    const again = await confirmHeldRelay(deps, outcome.record.id, 'U0SENDER');
    expect(again).toMatchObject({ type: 'finished', record: { status: 'sent' } });
    expect(fake.sends).toHaveLength(1);
  });

  it('leaves a confirmation alone that is already being carried out', async () => {
    const { deps, store, hooks } = setup();
    const outcome = await sendRelay(deps, request(), hooks);
    if (outcome.type !== 'held') throw new Error(`expected held, got ${outcome.type}`);
    const confirmed = await confirmHeldRelay(deps, outcome.record.id, 'U0SENDER');
    expect(confirmed.type).toBe('finished');
    await expect(returnToHold(deps, outcome.record)).rejects.toMatchObject({ code: 'store_conflict' });
    expect((await store.findById(outcome.record.id))?.status).toBe('sent');
  });
});
