/** Channel routes in relay/ (route.ts): what is recorded before the ack, and what carrying out fills in. */
import { describe, expect, it } from 'vitest';
import { carryOutReceived } from '../../src/relay/carry-out.js';
import type { ChatMessages } from '../../src/relay/chat-messages.js';
import {
  type RoutedReaction,
  receiveRoutedMessage,
  receiveRoutedReaction,
  responsibleFor,
} from '../../src/relay/route.js';
import { FakeProfiles } from './fake-people.js';
import { testRelay } from './relay-deps.js';

const REF = { teamId: 'T0TEST', channelId: 'C0ALL', ts: '1700000000.000100' };
const routes = {
  C0ALL: { to: ['sales'], forward: 'all' as const, reaction: 'outbox_tray' },
  C0REACT: { to: ['1001'], forward: 'reaction' as const, reaction: 'outbox_tray' },
};

function setup() {
  const relay = testRelay({ settings: { routes } });
  const messages: ChatMessages & { read: ChatMessages['read'] } = {
    read: async () => ({
      text: 'the text as Slack has it',
      authorId: 'U0AUTHOR',
      fromBot: false,
      threadReply: false,
      attachments: [],
    }),
    channelName: async (id) => (id === 'C0ALL' ? 'all-hands' : undefined),
  };
  const profiles = new FakeProfiles([
    { id: 'U0AUTHOR', name: 'ana' },
    { id: 'U0BOB', name: 'bob' },
  ]);
  return { ...relay, deps: { ...relay.deps, messages, profiles } };
}

const reaction = (reactorId: string, ts = REF.ts): RoutedReaction => ({
  ref: { ...REF, channelId: 'C0REACT', ts },
  reactorId,
  authorId: 'U0AUTHOR',
  reaction: 'outbox_tray',
});

describe('receiving routed messages', () => {
  it('records a message of a forward: all channel once, keyed by the message; other channels not at all', async () => {
    const { deps, store } = setup();
    const message = {
      ref: REF,
      authorId: 'U0AUTHOR',
      text: 'hi <@U0BOB>',
      attachments: [],
      unnamed: ['U0BOB'],
    };
    const first = await receiveRoutedMessage(deps, message);
    expect(first).toMatchObject({
      type: 'accepted',
      record: {
        status: 'received',
        requestKey: 'message:T0TEST:C0ALL:1700000000.000100',
        senderId: 'U0AUTHOR',
        recipientsInput: ['sales'],
        intake: { door: 'message', slack: REF, route: { forward: 'all', unnamed: ['U0BOB'] } },
      },
    });
    expect((await receiveRoutedMessage(deps, message)).type).toBe('duplicate');
    expect(
      await receiveRoutedMessage(deps, { ...message, ref: { ...REF, channelId: 'C0REACT' } }),
    ).toMatchObject({
      type: 'ignored',
    });
    expect(await store.listRecent(10)).toHaveLength(1);
  });

  it('records a reaction with the route’s emoji once, whoever reacts; another emoji records nothing', async () => {
    const { deps } = setup();
    expect((await receiveRoutedReaction(deps, { ...reaction('U0A'), reaction: 'eyes' })).type).toBe(
      'ignored',
    );
    const first = await receiveRoutedReaction(deps, reaction('U0A'));
    expect(first).toMatchObject({
      type: 'accepted',
      record: {
        senderId: 'U0AUTHOR',
        intake: { route: { forward: 'reaction', reactorId: 'U0A', unread: true } },
      },
    });
    if (first.type !== 'accepted') return;
    expect(responsibleFor(first.record)).toBe('U0A');
    expect((await receiveRoutedReaction(deps, reaction('U0B'))).type).toBe('duplicate');
  });

  it('carries a routed message out with the names filled in: author, channel, people mentioned', async () => {
    const { deps, fake } = setup();
    const taken = await receiveRoutedMessage(deps, {
      ref: REF,
      authorId: 'U0AUTHOR',
      text: 'ask @U0BOB, not @U0BOBBY',
      attachments: [],
      unnamed: ['U0BOB'],
    });
    if (taken.type !== 'accepted') throw new Error(taken.type);
    const outcome = await carryOutReceived(deps, taken.record);
    expect(outcome).toMatchObject({
      type: 'finished',
      record: { status: 'sent', text: 'ask @bob, not @U0BOBBY' },
    });
    expect(fake.sends[0]?.content).toBe('ana (via Slack #all-hands):\nask @bob, not @U0BOBBY');
    if (outcome.type !== 'finished') return;
    expect(outcome.record.intake?.route).toEqual({ forward: 'all' });
  });

  it('reads a reacted message when carrying it out; a bot’s message or a gone one is closed with why', async () => {
    const { deps, fake } = setup();
    const taken = await receiveRoutedReaction(deps, reaction('U0A'));
    if (taken.type !== 'accepted') throw new Error(taken.type);
    const outcome = await carryOutReceived(deps, taken.record);
    // The channel's name could not be read: the attribution names it by its id.
    expect(fake.sends[0]?.content).toBe('ana (via Slack #C0REACT):\nthe text as Slack has it');
    expect(outcome).toMatchObject({
      record: { intake: { route: { forward: 'reaction', reactorId: 'U0A' } } },
    });

    deps.messages.read = async () => ({
      text: 'ci',
      authorId: 'U0CI',
      fromBot: true,
      threadReply: false,
      attachments: [],
    });
    const bot = await receiveRoutedReaction(deps, reaction('U0A', '1700000001.000100'));
    if (bot.type !== 'accepted') throw new Error(bot.type);
    expect(await carryOutReceived(deps, bot.record)).toMatchObject({
      type: 'invalid_text',
      problem: expect.stringContaining('bot’s message'),
    });
    deps.messages.read = async () => undefined;
    const gone = await receiveRoutedReaction(deps, reaction('U0A', '1700000002.000100'));
    if (gone.type !== 'accepted') throw new Error(gone.type);
    expect(await carryOutReceived(deps, gone.record)).toMatchObject({
      type: 'invalid_text',
      problem: expect.stringContaining('could not read the message'),
    });
    expect(fake.sends).toHaveLength(1);
  });
});
