/** The compose modal: from the Send to Fxiaoke shortcut and from a bare /fx-send. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHANNEL_NAME,
  messageShortcutPayload,
  sendInteraction,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { CHANNEL_ID, Harness, SENDER_ID, TEAM_ID } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ORIGINAL_TS = '1700000123.000200';

interface OpenedView {
  private_metadata: string;
  callback_id: string;
  blocks: Array<{ block_id?: string; element?: { type?: string; initial_value?: string } }>;
}

async function openFromShortcut(h: Harness, text: string, threadTs?: string): Promise<OpenedView> {
  const response = await sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    messageShortcutPayload({
      callbackId: 'fx_send_message',
      message: { ts: ORIGINAL_TS, text, user: 'U0AUTHOR', ...(threadTs ? { thread_ts: threadTs } : {}) },
      responseUrl: h.slack.responseUrl(),
    }),
  );
  expect(response.status).toBe(200);
  const call = await h.slack.waitFor(() => h.slack.callsTo('views.open')[0]);
  return call.body.view as OpenedView;
}

/** Submits the modal as Slack would: the typeahead's selected options, the message text. */
function submit(h: Harness, view: OpenedView, recipients: string[], message: string) {
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
      },
    }),
  );
}

/** Fxiaoke message calls (address-book reads are fine: the modal warms the cache). */
function messageCalls(h: Harness) {
  return h.emulator.requests.filter((request) => request.path.includes('/message/'));
}

describe('compose modal', () => {
  it('relays an existing message keyed by that message, so the revoke shortcut on it works', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const view = await openFromShortcut(harness, 'Price is &lt;10k&gt; &amp; see <https://ex.com|the deck>');
    expect(view.callback_id).toBe('fx_send_modal');
    const prefilled = view.blocks.find((block) => block.block_id === 'message')?.element?.initial_value;
    expect(prefilled).toBe('Price is <10k> & see the deck (https://ex.com)');
    expect(JSON.parse(view.private_metadata)).toMatchObject({
      channelId: CHANNEL_ID,
      messageTs: ORIGINAL_TS,
    });

    const submitted = await submit(harness, view, [user.openUserId], prefilled!);
    expect(submitted.status).toBe(200);
    await harness.slack.waitFor(() => harness!.slack.callsTo('chat.postEphemeral')[0]);
    expect(harness.emulator.messages[0]!.content).toContain('Price is <10k> & see the deck (https://ex.com)');
    const record = await harness.bridge.store.findBySlackMessage({
      teamId: TEAM_ID,
      channelId: CHANNEL_ID,
      ts: ORIGINAL_TS,
    });
    expect(record?.status).toBe('sent');
    const ephemeral = harness.slack.callsTo('chat.postEphemeral')[0]!.body;
    expect(ephemeral.user).toBe(SENDER_ID);
    expect(String(ephemeral.text)).toContain(harness.emulator.messages[0]!.traceId);
    expect(harness.slack.callsTo('chat.postMessage')).toHaveLength(0); // nothing public

    const { responseUrl } = await harness.revokeByShortcut(CHANNEL_ID, ORIGINAL_TS);
    expect((await harness.responsesTo(responseUrl))[0]).toContain('Revoked relay');
    expect(harness.emulator.messages[0]!.revoked).toBe(true);
    expect(harness.slack.callsTo('chat.update')).toHaveLength(0); // someone else's message is never edited
  });

  it('does not relay the same message twice', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const view = await openFromShortcut(harness, 'once');
    await submit(harness, view, [user.openUserId], 'once');
    await harness.slack.waitFor(() => harness!.slack.callsTo('chat.postEphemeral')[0]);
    await submit(harness, view, [user.openUserId], 'once again');
    const second = await harness.slack.waitFor(() => harness!.slack.callsTo('chat.postEphemeral')[1]);
    expect(String(second.body.text)).toContain('already handled');
    expect(harness.emulator.messages).toHaveLength(1);
  });

  it('says so when the relayed message is a thread reply', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    const view = await openFromShortcut(harness, 'in a thread', '1700000000.000001');
    await submit(harness, view, [user.openUserId], 'in a thread');
    const answer = await harness.slack.waitFor(() => harness!.slack.callsTo('chat.postEphemeral')[0]);
    expect(String(answer.body.text)).toContain('thread reply');
  });

  it('returns inline errors for missing recipients, an unknown alias and an empty message', async () => {
    harness = await Harness.start();
    const view = await openFromShortcut(harness, 'hello');
    const empty = await submit(harness, view, [], '   ');
    expect(empty.json).toMatchObject({
      response_action: 'errors',
      errors: { recipients: 'Add at least one recipient.', message: 'The message is empty.' },
    });
    const unknown = await submit(harness, view, ['nosuchalias'], 'hello');
    expect(JSON.stringify(unknown.json)).toContain('nosuchalias');
    expect(messageCalls(harness)).toHaveLength(0);
  });

  it('opens the modal for a bare /fx-send and posts a receipt in the channel on submit', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    await harness.command('');
    const opened = await harness.slack.waitFor(() => harness!.slack.callsTo('views.open')[0]);
    const view = opened.body.view as OpenedView;
    expect(JSON.parse(view.private_metadata)).toEqual({
      teamId: TEAM_ID,
      channelId: CHANNEL_ID,
      channelName: CHANNEL_NAME,
    });
    await submit(
      harness,
      view,
      [user.openUserId, harness.emulator.options.users[1]!.openUserId],
      'from the modal',
    );
    const receipt = await harness.receiptAfter(0);
    expect(receipt.channel).toBe(CHANNEL_ID);
    expect(harness.emulator.messages[0]!.toUser).toHaveLength(2);
    await harness.settledRelayFor(receipt);
    const { responseUrl } = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    expect((await harness.responsesTo(responseUrl))[0]).toContain('Revoked relay');
  });
});
