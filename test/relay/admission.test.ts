/**
 * Admission inside the use-cases: sendRelay and confirmHeldRelay refuse before anything is looked
 * up, stored or sent, and the per-user limit counts only relays actually started.
 */
import { describe, expect, it } from 'vitest';
import type { GroupMembers } from '../../src/relay/access.js';
import { admitSend } from '../../src/relay/admission.js';
import type { SendRequest } from '../../src/relay/carry-out.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import type { RelaySettings } from '../../src/relay/deps.js';
import { confirmHeldRelay } from '../../src/relay/held.js';
import type { SendOutcome } from '../../src/relay/send.js';
import { InProcessSendLimiter } from '../../src/relay/send-rate.js';
import { ALICE, FakePeople, GONE, slackProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

let requests = 0;
function request(overrides: Partial<SendRequest> = {}): SendRequest {
  requests += 1;
  return {
    requestKey: `command:T0TEST:trigger.${requests}`,
    senderId: 'U0SENDER',
    senderName: 'bob',
    originChannelId: 'C0GENERAL',
    channelName: 'general',
    recipientsInput: ['FSUID_S1'],
    text: 'hello',
    ...overrides,
  };
}

const groups: GroupMembers = async (group) => new Set(group === 'S0LEADS' ? ['U0LEAD'] : []);

function setup(options: { access?: RelaySettings['access']; limit?: number } = {}) {
  const relay = testRelay({ settings: options.access ? { access: options.access } : {} });
  const clock = relay.clock;
  const sendLimiter = options.limit
    ? new InProcessSendLimiter({ limit: options.limit, now: () => clock.now })
    : undefined;
  const people = new FakePeople([ALICE, GONE]);
  const deps = { ...relay.deps, people, ...(sendLimiter ? { sendLimiter } : {}) };
  return { ...relay, deps, people, sendLimiter };
}

function refusalOf(outcome: SendOutcome) {
  expect(outcome.type).toBe('refused');
  return outcome.type === 'refused' ? outcome.refusal : undefined;
}

const LEADS_IN_RELAYS = { send: { users: [], userGroups: ['S0LEADS'], channels: ['C0RELAYS'] } };

describe('sendRelay: access', () => {
  it('refuses an unlisted sender before looking anyone up or sending anything', async () => {
    const { deps, fake, store, people, log } = setup({ access: LEADS_IN_RELAYS });
    const refusal = refusalOf(
      await sendRelay({ ...deps, groupMembers: groups }, request({ originChannelId: 'C0RELAYS' })),
    );
    expect(refusal).toMatchObject({ kind: 'not_allowed', reason: 'not_listed', admins: ['U0ADMIN'] });
    expect(fake.sends).toHaveLength(0);
    expect(people.calls).toEqual([]);
    // Received before the ack, then closed as refused: on record, never carried out.
    expect((await store.listRecent(10)).map((record) => [record.status, record.error?.kind])).toEqual([
      ['failed', 'refused'],
    ]);
    expect(log.entries.find((entry) => entry.message === 'send refused')?.details).toMatchObject({
      user: 'U0SENDER',
      refusal: 'not_allowed:not_listed',
    });
  });

  it('lets a group member send from a listed channel, and refuses them elsewhere', async () => {
    const { deps, fake } = setup({ access: LEADS_IN_RELAYS });
    const there = await sendRelay(
      { ...deps, groupMembers: groups },
      request({ senderId: 'U0LEAD', originChannelId: 'C0RELAYS' }),
    );
    expect(there.type).toBe('finished');
    const elsewhere = await sendRelay({ ...deps, groupMembers: groups }, request({ senderId: 'U0LEAD' }));
    expect(refusalOf(elsewhere)).toMatchObject({ kind: 'not_allowed', reason: 'channel' });
    expect(fake.sends).toHaveLength(1);
  });

  it('fails closed when the group lookup fails or the front door has none', async () => {
    const { deps, fake } = setup({ access: LEADS_IN_RELAYS });
    const down: GroupMembers = async () => {
      throw new Error('slack down');
    };
    const lead = request({ senderId: 'U0LEAD', originChannelId: 'C0RELAYS' });
    expect(refusalOf(await sendRelay({ ...deps, groupMembers: down }, lead))).toEqual({
      kind: 'group_lookup_failed',
    });
    expect(refusalOf(await sendRelay(deps, request({ ...lead, requestKey: 'x:1' })))).toEqual({
      kind: 'group_lookup_failed',
    });
    expect(fake.sends).toHaveLength(0);
  });

  it('lets an admin send from anywhere', async () => {
    const { deps } = setup({ access: LEADS_IN_RELAYS });
    const outcome = await sendRelay(deps, request({ senderId: 'U0ADMIN', originChannelId: 'D0ANY' }));
    expect(outcome.type).toBe('finished');
  });
});

describe('sendRelay: the per-user send limit', () => {
  it('refuses the third relay in a minute with the wait; another user is not affected', async () => {
    const { deps, fake, clock } = setup({ limit: 2 });
    expect((await sendRelay(deps, request())).type).toBe('finished');
    clock.now += 20_000;
    expect((await sendRelay(deps, request())).type).toBe('finished');
    clock.now += 1_000;
    expect(refusalOf(await sendRelay(deps, request()))).toEqual({
      kind: 'rate_limited',
      limit: 2,
      windowMs: 60_000,
      retryAfterMs: 39_000,
    });
    expect((await sendRelay(deps, request({ senderId: 'U0OTHER' }))).type).toBe('finished');
    expect(fake.sends).toHaveLength(3);
    clock.now += 39_000;
    expect((await sendRelay(deps, request())).type).toBe('finished');
  });

  it('counts neither refusals, invalid requests, duplicates nor held relays', async () => {
    const { deps, sendLimiter } = setup({ limit: 1 });
    const again = request();
    expect((await sendRelay(deps, request({ text: 'x'.repeat(101) }))).type).toBe('invalid_text');
    expect((await sendRelay(deps, request({ recipientsInput: ['nosuchalias'] }))).type).toBe(
      'invalid_recipients',
    );
    const held = await sendRelay(
      { ...deps, profiles: slackProfiles() },
      request({ recipientsInput: ['<@U0STRANGER>', 'FSUID_S1'] }),
    );
    expect(held.type).toBe('held');
    expect(await sendLimiter?.waitFor('U0SENDER')).toBe(0);
    expect((await sendRelay(deps, again)).type).toBe('finished');
    expect(await sendLimiter?.waitFor('U0SENDER')).toBeGreaterThan(0);
    // At the limit, a repeat of the handled request is still told it was handled.
    expect((await sendRelay(deps, again)).type).toBe('duplicate');
    expect((await sendRelay(deps, request())).type).toBe('refused');
  });

  it('gives the slot back when the claim finds the request already handled', async () => {
    const { deps, sendLimiter } = setup({ limit: 2 });
    const same = request();
    const [first, second] = await Promise.all([sendRelay(deps, same), sendRelay(deps, same)]);
    expect([first.type, second.type].sort()).toEqual(['duplicate', 'finished']);
    expect(await sendLimiter?.waitFor('U0SENDER')).toBe(0); // one slot of two used
  });

  it('refuses at the claim when a concurrent send took the last slot', async () => {
    const { deps, fake } = setup({ limit: 1 });
    const outcomes = await Promise.all([sendRelay(deps, request()), sendRelay(deps, request())]);
    expect(outcomes.map((outcome) => outcome.type).sort()).toEqual(['finished', 'refused']);
    expect(fake.sends).toHaveLength(1);
  });
});

describe('confirmHeldRelay: the same admission as a send', () => {
  async function heldRelay(deps: ReturnType<typeof setup>['deps'], senderId = 'U0SENDER') {
    const outcome = await sendRelay(
      { ...deps, profiles: slackProfiles(), groupMembers: groups },
      request({ senderId, recipientsInput: ['<@U0STRANGER>', 'FSUID_S1'] }),
    );
    if (outcome.type !== 'held') throw new Error(`expected held, got ${outcome.type}`);
    return outcome.record;
  }

  it('refuses a sender who lost access since, and sends nothing', async () => {
    const { deps, fake } = setup({ access: LEADS_IN_RELAYS });
    const held = await heldRelay({ ...deps, settings: { ...deps.settings, access: undefined } }, 'U0SENDER');
    const outcome = await confirmHeldRelay({ ...deps, groupMembers: groups }, held.id, 'U0SENDER');
    expect(outcome).toMatchObject({ type: 'refused', refusal: { kind: 'not_allowed', reason: 'channel' } });
    expect(fake.sends).toHaveLength(0);
  });

  it('counts the confirmed relay against the limit, and refuses a confirmation over it', async () => {
    const { deps, fake, sendLimiter } = setup({ limit: 1 });
    const held = await heldRelay(deps);
    expect(await sendLimiter?.waitFor('U0SENDER')).toBe(0);
    expect((await sendRelay(deps, request())).type).toBe('finished');
    const refused = await confirmHeldRelay(deps, held.id, 'U0SENDER');
    expect(refused).toMatchObject({ type: 'refused', refusal: { kind: 'rate_limited', limit: 1 } });
    expect(fake.sends).toHaveLength(1);
  });

  it('admitSend alone takes no slot', async () => {
    const { deps, sendLimiter } = setup({ limit: 1 });
    const sender = { userId: 'U0SENDER', channelId: 'C0GENERAL' };
    for (let i = 0; i < 3; i++) expect(await admitSend(deps, sender, undefined)).toBeUndefined();
    expect(await sendLimiter?.waitFor('U0SENDER')).toBe(0);
  });
});
