/**
 * "Send as a card" in the compose window, end to end through the real Bolt app on signed requests:
 * the emulator receives a composite message whose title names sender and channel and whose link
 * opens the Slack message (chat.getPermalink) — or, from a bare /fx-send, the channel — and
 * Revoke (the shortcut, the button) takes the card back. The answers and the App Home say "card".
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CHANNEL_NAME,
  messageShortcutPayload,
  SENDER_NAME,
  sendInteraction,
  TEAM_DOMAIN,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { CHANNEL_ID, Harness, SENDER_ID, TEAM_ID } from './harness.js';
import { openHome, publishedHome, viewText } from './people-requests.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ORIGINAL_TS = '1700000123.000200';
const PERMALINK = `https://${TEAM_DOMAIN}.slack.com/archives/${CHANNEL_ID}/p1700000123000200`;

interface OpenedView {
  private_metadata: string;
  callback_id: string;
  blocks: Array<{
    block_id?: string;
    element?: { type?: string; options?: Array<{ value: string }>; initial_option?: { value: string } };
  }>;
}

async function openFromShortcut(
  h: Harness,
  text: string,
  files?: Record<string, unknown>[],
): Promise<OpenedView> {
  const before = h.slack.callsTo('views.open').length;
  const response = await sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    messageShortcutPayload({
      callbackId: 'fx_send_message',
      message: { ts: ORIGINAL_TS, text, user: 'U0AUTHOR', ...(files ? { files } : {}) },
      responseUrl: h.slack.responseUrl(),
    }),
  );
  expect(response.status).toBe(200);
  const call = await h.slack.waitFor(() => h.slack.callsTo('views.open')[before]);
  return call.body.view as OpenedView;
}

async function openFromCommand(h: Harness): Promise<OpenedView> {
  const before = h.slack.callsTo('views.open').length;
  await h.command('');
  const call = await h.slack.waitFor(() => h.slack.callsTo('views.open')[before]);
  return call.body.view as OpenedView;
}

/** Submits the modal as Slack would, "Send as" set to `format`. */
function submit(
  h: Harness,
  view: OpenedView,
  recipients: string[],
  message: string,
  format: 'text' | 'card',
) {
  const selected = recipients.map((value) => ({ text: { type: 'plain_text', text: value }, value }));
  return sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    viewSubmissionPayload({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: {
        recipients: { recipients: { type: 'multi_external_select', selected_options: selected } },
        slack_users: { slack_users: { type: 'multi_users_select', selected_users: [] } },
        message: { message: { type: 'plain_text_input', value: message } },
        format: {
          format: {
            type: 'radio_buttons',
            selected_option: { text: { type: 'plain_text', text: format }, value: format },
          },
        },
      },
    }),
  );
}

describe('Send as a card', () => {
  it('offers text (preselected) or a card; a card of a Slack message links it and is revoked by the shortcut', async () => {
    harness = await Harness.start();
    const h = harness;
    const user = h.emulator.options.users[0]!;
    const view = await openFromShortcut(h, 'The *deck* is ready');
    const format = view.blocks.find((block) => block.block_id === 'format')?.element;
    expect(format?.type).toBe('radio_buttons');
    expect(format?.options?.map((option) => option.value)).toEqual(['text', 'card']);
    expect(format?.initial_option?.value).toBe('text');

    expect((await submit(h, view, [user.openUserId], 'The deck is ready', 'card')).status).toBe(200);
    const answer = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    const [message] = h.emulator.messages;
    expect(message?.msgType).toBe('composite');
    expect(message?.card).toEqual({
      head: { title: `${SENDER_NAME} in #${CHANNEL_NAME} (Slack)` },
      first: { content: 'The deck is ready' },
      link: { title: 'Open in Slack', url: PERMALINK },
    });
    expect(h.slack.callsTo('chat.getPermalink')[0]?.body).toMatchObject({
      channel: CHANNEL_ID,
      message_ts: ORIGINAL_TS,
    });
    expect(String(answer.body.text)).toContain('as a card');
    expect(JSON.stringify(answer.body.blocks)).toContain('as a card linking to the Slack message');
    const ref = { teamId: TEAM_ID, channelId: CHANNEL_ID, ts: ORIGINAL_TS };
    expect(await h.bridge.store.findBySlackMessage(ref)).toMatchObject({
      format: 'card',
      card: { url: PERMALINK, linkTo: 'message' },
      status: 'sent',
    });

    // The App Home says how it went out.
    const publishes = () =>
      h.slack.callsTo('views.publish').filter((call) => call.body.user_id === SENDER_ID);
    const before = publishes().length;
    await openHome(h, SENDER_ID);
    await h.slack.waitFor(() => publishes().length > before);
    expect(viewText(publishedHome(h, SENDER_ID)!)).toContain('as a card linking to the Slack message');

    const { responseUrl } = await h.revokeByShortcut(CHANNEL_ID, ORIGINAL_TS);
    expect((await h.responsesTo(responseUrl))[0]).toContain('Revoked relay');
    expect(h.emulator.messages[0]?.revoked).toBe(true);
    expect(h.emulator.requestsTo('/cgi/app/message/revoke')[0]?.body).toMatchObject({
      messageId: message?.messageId,
    });
  });

  it('from a bare /fx-send: the card links the channel, the receipt says card, its Revoke button revokes it', async () => {
    harness = await Harness.start();
    const h = harness;
    const [first, second] = h.emulator.options.users;
    const view = await openFromCommand(h);
    expect(JSON.parse(view.private_metadata)).toMatchObject({ channelName: CHANNEL_NAME });
    await submit(h, view, [first!.openUserId, second!.openUserId], 'Standup moved to 10:30', 'card');
    const receipt = await h.receiptAfter(0);
    const relay = await h.settledRelayFor(receipt);
    expect(h.emulator.messages[0]?.card).toMatchObject({
      head: { title: `${SENDER_NAME} in #${CHANNEL_NAME} (Slack)` },
      first: { content: 'Standup moved to 10:30' },
      link: { url: `${h.slack.baseUrl}/app_redirect?team=${TEAM_ID}&channel=${CHANNEL_ID}` },
    });
    expect(h.emulator.messages[0]?.toUser).toHaveLength(2);
    // No Slack message to point at yet: no permalink asked for.
    expect(h.slack.callsTo('chat.getPermalink')).toHaveLength(0);
    expect(receipt.text).toContain('Sent to Fxiaoke as a card');
    expect(JSON.stringify(receipt.blocks)).toContain('sent a card to Fxiaoke');
    expect(relay.card).toMatchObject({ linkTo: 'channel' });

    const { responseUrl } = await h.revokeByButton(relay.id, receipt.channel, receipt.ts);
    expect((await h.responsesTo(responseUrl))[0]).toContain('Revoked relay');
    expect(h.emulator.messages[0]).toMatchObject({ msgType: 'composite', revoked: true });
    expect(h.emulator.requestsTo('/cgi/app/message/revoke')).toHaveLength(1);
    expect((await h.bridge.store.findById(relay.id))?.status).toBe('revoked');
  });

  it('with files: the image follows as an articles message, the PDF is a row of the card; Revoke takes back both', async () => {
    harness = await Harness.start();
    const h = harness;
    const user = h.emulator.options.users[0]!;
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    const cat = h.slack.addFile('F0CAT', { name: 'cat.png', mimetype: 'image/png', bytes: png });
    const pdf = h.slack.addFile('F0PDF', { name: 'report.pdf', mimetype: 'application/pdf', bytes: png });
    const view = await openFromShortcut(h, 'Site visit', [cat, pdf]);
    await submit(h, view, [user.openUserId], 'Site visit', 'card');
    await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    const [card, articles] = h.emulator.messages;
    expect(h.emulator.messages.map((message) => message.msgType)).toEqual(['composite', 'articles']);
    expect(card?.card).toEqual({
      head: { title: `${SENDER_NAME} in #${CHANNEL_NAME} (Slack)` },
      first: { content: 'Site visit' },
      form: [{ label: 'Files in Slack, not forwarded', value: 'report.pdf' }],
      remark: { content: 'The image follows as its own message.' },
      link: { title: 'Open in Slack', url: PERMALINK },
    });
    expect(articles?.body).toMatchObject({
      articles: [{ title: 'cat.png', coverImage: h.emulator.media[0]?.mediaId, type: 'TEXT' }],
    });
    const { responseUrl } = await h.revokeByShortcut(CHANNEL_ID, ORIGINAL_TS);
    expect((await h.responsesTo(responseUrl))[0]).toContain('the card and 1 image message');
    expect(h.emulator.messages.map((message) => message.revoked)).toEqual([true, true]);
  });

  it('text stays the default, and a text too long for a card is refused inline with what to do', async () => {
    harness = await Harness.start();
    const h = harness;
    const user = h.emulator.options.users[0]!;
    const view = await openFromShortcut(h, 'long');
    const tooLong = 'x'.repeat(1001);
    const refused = await submit(h, view, [user.openUserId], tooLong, 'card');
    expect(refused.json).toMatchObject({
      response_action: 'errors',
      errors: { message: expect.stringMatching(/card holds at most 1000 characters.*1001.*text message/) },
    });
    expect(h.emulator.requests.filter((request) => request.path.includes('/message/'))).toHaveLength(0);
    // The same window sent as text goes as a text message.
    await submit(h, view, [user.openUserId], tooLong, 'text');
    await h.slack.waitFor(() => h.emulator.messages[0]);
    expect(h.emulator.messages[0]?.msgType).toBe('text');
    expect(h.emulator.messages[0]?.card).toBeUndefined();
  });

  it('after a crash the next start goes on with the same card, and never sends the call that may have gone out', async () => {
    harness = await Harness.start();
    const h = harness;
    const [first, second] = h.emulator.options.users;
    const card = {
      title: `${SENDER_NAME} in #${CHANNEL_NAME} (Slack)`,
      url: PERMALINK,
      linkTo: 'message' as const,
    };
    const now = Date.now();
    const crashed = makeRecord({
      createdAt: now,
      updatedAt: now,
      senderId: SENDER_ID,
      originChannelId: CHANNEL_ID,
      status: 'pending',
      serviceId: 'FSAID_svc0001',
      format: 'card',
      card,
      text: 'Price list attached',
      content: 'Price list attached',
      recipients: [first!.openUserId, second!.employeeId!],
      // Batch 0 was marked dispatched when the process died: it may be in Fxiaoke already.
      batches: [
        makeBatch(0, { recipients: [first!.openUserId], dispatchedAt: now, thirdTraceId: randomUUID() }),
        makeBatch(1, { recipients: [second!.employeeId!], thirdTraceId: randomUUID() }),
      ],
      intake: {
        door: 'message',
        teamId: TEAM_ID,
        senderName: SENDER_NAME,
        channelName: CHANNEL_NAME,
        receivedAt: now,
      },
      lease: { owner: 'fxb_dead', until: 0 },
    });
    await h.bridge.store.create(crashed);
    await h.restart();
    await h.slack.waitFor(() => h.emulator.messages[0]);
    const recovered = await vi.waitFor(
      async () => {
        const record = await h.bridge.store.findById(crashed.id);
        if (record?.status === 'pending') throw new Error(`relay ${crashed.id} still pending`);
        return record;
      },
      { timeout: 10_000, interval: 25 },
    );
    expect(recovered?.batches.map((batch) => batch.status)).toEqual(['unknown', 'sent']);
    expect(h.emulator.messages).toHaveLength(1);
    expect(h.emulator.messages[0]).toMatchObject({
      msgType: 'composite',
      toUser: [second!.employeeId],
      card: {
        head: { title: card.title },
        first: { content: 'Price list attached' },
        link: { title: 'Open in Slack', url: PERMALINK },
      },
    });
  });
});
