/** Card relays (relay/card.ts): what the card holds, where its link goes, and that every send honours it. */
import { describe, expect, it } from 'vitest';
import { MAX_CARD_TEXT } from '../../src/fxiaoke/interface.js';
import { appRedirectLink, cardTitle, type SlackLinks } from '../../src/relay/card.js';
import type { SendRequest } from '../../src/relay/carry-out.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import { revokeRelay } from '../../src/relay/revoke.js';
import { resumePending } from '../../src/relay/takeover.js';
import type { RelayRecord, SlackMessageRef } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { CAT, REPORT, standardFiles } from './fake-files.js';
import { claimed, START, testRelay } from './relay-deps.js';

const MESSAGE: SlackMessageRef = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000100' };
const PERMALINK = 'https://fx-test.slack.com/archives/C0GENERAL/p1700000000000100';

function cardRequest(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    requestKey: 'message:T0TEST:C0GENERAL:1700000000.000100',
    senderId: 'U0SENDER',
    senderName: 'bob',
    originChannelId: 'C0GENERAL',
    channelName: 'general',
    recipientsInput: ['FSUID_A1'],
    text: 'The quote is ready',
    slack: MESSAGE,
    format: 'card',
    ...overrides,
  };
}

/** Links that answer the permalink of MESSAGE and record what was asked. */
function links(answer: () => Promise<string | undefined> = async () => PERMALINK) {
  const asked: SlackMessageRef[] = [];
  const value: SlackLinks = {
    permalink: (ref) => {
      asked.push(ref);
      return answer();
    },
    channel: (teamId, channelId) => `https://slack.example/app_redirect?team=${teamId}&channel=${channelId}`,
  };
  return { asked, links: value };
}

function finished(outcome: Awaited<ReturnType<typeof sendRelay>>): RelayRecord {
  if (outcome.type !== 'finished') throw new Error(`expected a finished relay, got ${outcome.type}`);
  return outcome.record;
}

describe('a card relay', () => {
  it('sends a card titled with sender and channel, the bare text as its body, linking the Slack message', async () => {
    const { deps, fake } = testRelay();
    const { asked, links: slackLinks } = links();
    deps.links = slackLinks;
    const record = finished(await sendRelay(deps, cardRequest()));
    expect(asked).toEqual([MESSAGE]);
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0]?.card).toEqual({
      head: { title: 'bob in #general (Slack)' },
      first: { content: 'The quote is ready' },
      link: { title: 'Open in Slack', url: PERMALINK },
    });
    expect(record).toMatchObject({
      format: 'card',
      card: { title: 'bob in #general (Slack)', url: PERMALINK, linkTo: 'message' },
      content: 'The quote is ready',
      status: 'sent',
    });
    // Revoked like a text: by the message id its service-account send answered.
    const revoked = await revokeRelay(deps, { target: { ref: MESSAGE }, actorId: 'U0SENDER' });
    expect(revoked.type).toBe('revoked');
    expect(fake.revokes.map((call) => call.messageId)).toEqual([record.batches[0]?.messageId]);
  });

  it('links the channel when Slack gives no permalink, or when there is no Slack message yet', async () => {
    const failing = testRelay();
    const broken = links(async () => {
      throw new Error('channel_not_found');
    });
    failing.deps.links = broken.links;
    const record = finished(await sendRelay(failing.deps, cardRequest()));
    expect(record.card).toMatchObject({
      url: 'https://slack.example/app_redirect?team=T0TEST&channel=C0GENERAL',
      linkTo: 'channel',
    });
    expect(failing.log.messages('warn')).toContain('no permalink for the card; it links the channel');

    // A bare compose: nothing to ask a permalink for; without the front door's links, Slack's own.
    const compose = testRelay();
    const composed = finished(
      await sendRelay(compose.deps, cardRequest({ slack: undefined, requestKey: 'compose:T0TEST:V1' })),
    );
    expect(composed.card?.url).toBe(appRedirectLink('', 'C0GENERAL'));
    expect(compose.fake.sends[0]?.card?.link.url).toBe('https://slack.com/app_redirect?channel=C0GENERAL');
  });

  it('refuses a text longer than a card holds, before anything is recorded or sent', async () => {
    const { deps, fake, store } = testRelay({ settings: { maxMessageLength: 5000 } });
    const outcome = await sendRelay(deps, cardRequest({ text: 'x'.repeat(MAX_CARD_TEXT + 1) }));
    expect(outcome).toEqual({
      type: 'invalid_text',
      problem: expect.stringMatching(/card holds at most 1000 characters.*1001.*text message/),
    });
    expect(fake.sends).toHaveLength(0);
    expect(await store.findById('rl_unit0001')).toBeUndefined();
    // As text the same message goes.
    expect(
      (await sendRelay(deps, cardRequest({ text: 'x'.repeat(MAX_CARD_TEXT + 1), format: 'text' }))).type,
    ).toBe('finished');
  });

  it('images still follow as articles; files not forwarded are a row of the card, not part of its text', async () => {
    const relay = testRelay();
    relay.deps.files = standardFiles();
    relay.deps.links = links().links;
    const record = finished(await sendRelay(relay.deps, cardRequest({ attachments: [CAT, REPORT] })));
    expect(relay.fake.sends[0]?.card).toEqual({
      head: { title: 'bob in #general (Slack)' },
      first: { content: 'The quote is ready' },
      form: [{ label: 'Files in Slack, not forwarded', value: 'report.pdf' }],
      remark: { content: 'The image follows as its own message.' },
      link: { title: 'Open in Slack', url: PERMALINK },
    });
    expect(relay.fake.articleSends[0]?.articles[0]).toMatchObject({
      title: 'cat.png',
      content: 'bob in #general (Slack)\nThe quote is ready',
    });
    expect(record.content).toBe('The quote is ready');
    expect(record.batches[0]?.extraMessages?.[0]?.status).toBe('sent');
  });

  it('a resumed card relay sends its batches never dispatched as the same card, and never the dispatched one', async () => {
    const relay = testRelay();
    const card = { title: 'bob in #general (Slack)', url: PERMALINK, linkTo: 'message' as const };
    const record = makeRecord({
      status: 'pending',
      format: 'card',
      card,
      content: 'The quote is ready',
      batches: [makeBatch(0, { dispatchedAt: START }), makeBatch(1)],
      intake: { door: 'message', teamId: 'T0TEST', senderName: 'bob', receivedAt: relay.clock.now },
      lease: { owner: 'fxb_dead', until: 0 },
    });
    await relay.store.create(record);
    // The recorded card is what goes out: no link is looked up again.
    const watched = links(async () => 'https://elsewhere.example/');
    relay.deps.links = watched.links;
    const resumed = await resumePending(relay.deps, await claimed(relay, record), {});
    expect(watched.asked).toEqual([]);
    expect(resumed).toMatchObject({ interrupted: 1, resumed: 1 });
    expect(relay.fake.sends).toHaveLength(1);
    expect(relay.fake.sends[0]).toMatchObject({
      toUser: record.batches[1]?.recipients,
      card: {
        head: { title: card.title },
        first: { content: 'The quote is ready' },
        link: { title: 'Open in Slack', url: PERMALINK },
      },
    });
    expect(resumed.record.batches.map((batch) => batch.status)).toEqual(['unknown', 'sent']);
  });

  it('a record without a format (older than cards) is sent as text', async () => {
    const relay = testRelay();
    const record = makeRecord({
      status: 'pending',
      content: 'plain',
      batches: [makeBatch(0)],
      intake: { door: 'command', teamId: 'T0TEST', senderName: 'bob', receivedAt: relay.clock.now },
      lease: { owner: 'fxb_dead', until: 0 },
    });
    expect(record.format).toBeUndefined();
    await relay.store.create(record);
    await resumePending(relay.deps, await claimed(relay, record), {});
    expect(relay.fake.sends[0]).toMatchObject({ content: 'plain' });
    expect(relay.fake.sends[0]?.card).toBeUndefined();
  });

  it('names a direct message, and cuts a long name to the title limit', () => {
    expect(cardTitle('bob', undefined)).toBe('bob in a direct message (Slack)');
    const long = cardTitle('b'.repeat(80), 'general');
    expect([...long]).toHaveLength(64);
    expect(long.endsWith('…')).toBe(true);
  });
});
