/**
 * The compose modal with people instead of ids: Send to Fxiaoke on a message → views.open (text
 * converted, metadata, the typeahead prefilled with the channel's defaults) → block_suggestion
 * answers → view_submission → Fxiaoke → Revoke from Fxiaoke on the same message. Also the guard
 * against relaying a message twice by accident, and inline errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { CHANNEL_NAME } from '../../dev/fakes/slack-requests.js';
import { CHANNEL_ID, Harness, SENDER_ID, TEAM_ID } from './harness.js';
import { block, shortcutModal, submitModal, typeahead, viewText } from './people-requests.js';

const USERS = defaultUsers();
const [U0, U1, U2, U3] = USERS;
const STOPPED = USERS.find((user) => user.isStop)!;
const FILE_CONFIG = [
  'aliases:',
  `  sales: [${U0!.openUserId}, ${U1!.openUserId}]`,
  'admins: [U0ADMIN]',
  'channelDefaults:',
  `  ${CHANNEL_ID}: [sales, ${U3!.openUserId}, ${STOPPED.openUserId}]`,
  '',
].join('\n');
const ORIGINAL_TS = '1700000321.000100';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(): Promise<Harness> {
  harness = await Harness.start({ fileConfig: FILE_CONFIG });
  harness.slack.addUser({ id: 'U0LILEI', name: 'Li Lei', email: 'lilei@elsewhere.example' });
  harness.slack.addUser({ id: 'U0STRANGER', name: 'carol', email: 'carol@elsewhere.example' });
  return harness;
}

function sends(h: Harness) {
  return h.emulator.requests.filter((request) => request.path.includes('/message/send'));
}

const ref = { teamId: TEAM_ID, channelId: CHANNEL_ID, ts: ORIGINAL_TS };

describe('Send to Fxiaoke with the people typeahead', () => {
  it('prefills converted text and channel defaults, offers employees, sends, and is revoked by the shortcut', async () => {
    const h = await start();
    const view = await shortcutModal(h, {
      ts: ORIGINAL_TS,
      text: 'Hi <@U0LILEI>, the *final* price is &lt;10k&gt; :tada: see <https://ex.com/d|the deck> in <#C0SALES|sales>',
    });
    expect(view.callback_id).toBe('fx_send_modal');
    expect(block(view, 'message')?.element?.initial_value).toBe(
      'Hi @Li Lei, the final price is <10k> 🎉 see the deck (https://ex.com/d) in #sales',
    );
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({
      teamId: TEAM_ID,
      channelId: CHANNEL_ID,
      channelName: CHANNEL_NAME,
      messageTs: ORIGINAL_TS,
    });
    const recipients = block(view, 'recipients')?.element;
    expect(recipients).toMatchObject({
      type: 'multi_external_select',
      action_id: 'recipients',
      min_query_length: 1,
    });
    // The channel's defaults, labelled; the departed one is left out.
    expect(recipients?.initial_options?.map((option) => option.value)).toEqual(['sales', U3!.openUserId]);
    expect(recipients?.initial_options?.[0]?.text.text).toContain('alias');
    expect(recipients?.initial_options?.[1]?.text.text).toContain(U3!.name);

    const found = await typeahead(h, 'test user');
    expect(found.map((option) => option.value)).toEqual(
      USERS.filter((u) => !u.isStop).map((u) => u.openUserId),
    );
    expect(found[0]?.text.text).toBe(`${U0!.name} (${U0!.nickName}) · ${U0!.email}`);
    expect(await typeahead(h, 'stopped')).toEqual([]);
    expect(await typeahead(h, STOPPED.openUserId)).toEqual([]);
    expect((await typeahead(h, 'SAL')).map((option) => [option.value, option.text.text])).toEqual([
      ['sales', 'sales — alias from the config file · 2 people'],
    ]);
    expect((await typeahead(h, 'FSUID_0123ABC')).map((option) => option.text.text)).toEqual([
      'FSUID_0123ABC — id as typed',
    ]);

    const submitted = await submitModal(h, view, {
      recipients: ['sales', U3!.openUserId, U2!.openUserId],
      text: block(view, 'message')?.element?.initial_value ?? '',
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');
    const answer = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    const message = h.emulator.messages[0]!;
    expect(message.toUser).toEqual([U0!.openUserId, U1!.openUserId, U3!.openUserId, U2!.openUserId]);
    expect(message.content).toContain('Hi @Li Lei, the final price is <10k> 🎉');
    expect(String(answer.body.text)).toContain(message.traceId);
    expect(await h.bridge.store.findBySlackMessage(ref)).toMatchObject({ status: 'sent' });

    const { responseUrl } = await h.revokeByShortcut(CHANNEL_ID, ORIGINAL_TS);
    expect((await h.responsesTo(responseUrl))[0]).toContain('Revoked relay');
    expect(h.emulator.messages[0]!.revoked).toBe(true);
  });

  it('renders a block-only message from its blocks, and treats a thread’s parent as no reply', async () => {
    const h = await start();
    const view = await shortcutModal(h, {
      ts: ORIGINAL_TS,
      thread_ts: ORIGINAL_TS,
      blocks: [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'Ship it ', style: { bold: true } },
                { type: 'user', user_id: 'U0LILEI' },
                { type: 'emoji', name: 'rocket', unicode: '1f680' },
              ],
            },
          ],
        },
      ],
    });
    expect(block(view, 'message')?.element?.initial_value).toBe('Ship it @Li Lei🚀');
    expect(JSON.parse(view.private_metadata ?? '').threadTs).toBeUndefined();
    await submitModal(h, view, { recipients: [U0!.openUserId], text: 'Ship it' });
    const answer = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(String(answer.body.text)).toContain('Relayed this message to Fxiaoke');
    expect(String(answer.body.text)).not.toContain('thread reply');
  });

  it('opens a “Preparing…” modal at once when names are slow, then shows the finished one', async () => {
    const h = await start();
    h.slack.rateLimitNext('users.info', 1);
    const view = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'ping <@U0LILEI>' });
    const opened = h.slack.callsTo('views.open')[0]!.body.view as { callback_id: string; submit?: unknown };
    expect(opened.callback_id).toBe('fx_send_modal_loading');
    expect(opened.submit).toBeUndefined();
    expect(block(view, 'message')?.element?.initial_value).toBe('ping @Li Lei');
    expect(h.slack.callsTo('views.update')[0]?.body.view_id).toMatch(/^V0FAKE/);
  });
});

describe('the duplicate-relay guard', () => {
  it('shows the earlier relay, asks before sending again, and revokes every send of the message', async () => {
    const h = await start();
    const first = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'Quote v2' });
    await submitModal(h, first, { recipients: [U0!.openUserId], text: 'Quote v2' });
    await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    const original = (await h.bridge.store.findBySlackMessage(ref))!;

    const second = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'Quote v2' });
    expect(viewText(second)).toContain('already sent to Fxiaoke');
    expect(viewText(second)).toContain(original.id);
    expect(viewText(second)).toContain(h.emulator.messages[0]!.traceId);
    expect(viewText(second)).toContain('Sent');
    expect(second.submit?.text).toBe('Send again');
    expect(JSON.parse(second.private_metadata ?? '').sendNumber).toBe(2);

    const unticked = await submitModal(h, second, {
      recipients: [U1!.openUserId],
      text: 'Quote v2',
      resend: false,
    });
    expect(unticked.json).toMatchObject({
      response_action: 'errors',
      errors: { resend: expect.stringContaining('Tick the box') },
    });
    expect(sends(h)).toHaveLength(1);

    await submitModal(h, second, {
      recipients: [U1!.openUserId],
      text: 'Quote v2',
      resend: true,
      viewId: 'V0AGAIN',
    });
    const again = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[1]);
    expect(String(again.body.text)).toContain('again (send #2 of it)');
    expect(h.emulator.messages.map((m) => m.toUser)).toEqual([[U0!.openUserId], [U1!.openUserId]]);
    // The same modal submitted twice is still one send.
    await submitModal(h, second, {
      recipients: [U1!.openUserId],
      text: 'Quote v2',
      resend: true,
      viewId: 'V0AGAIN',
    });
    const twice = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[2]);
    expect(String(twice.body.text)).toContain('already handled');
    expect(h.emulator.messages).toHaveLength(2);

    const third = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'Quote v2' });
    expect(JSON.parse(third.private_metadata ?? '').sendNumber).toBe(3);

    const { responseUrl } = await h.revokeByShortcut(CHANNEL_ID, ORIGINAL_TS);
    const [said] = await h.responsesTo(responseUrl);
    expect(said?.match(/Revoked relay/g)).toHaveLength(2);
    expect(h.emulator.messages.map((m) => m.revoked)).toEqual([true, true]);
  });

  it('answers “already handled” when the message was relayed after this modal opened', async () => {
    const h = await start();
    const a = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'race' });
    const b = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'race' });
    await submitModal(h, a, { recipients: [U0!.openUserId], text: 'race' });
    await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    await submitModal(h, b, { recipients: [U1!.openUserId], text: 'race' });
    const second = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[1]);
    expect(String(second.body.text)).toContain('already handled');
    expect(h.emulator.messages).toHaveLength(1);
  });
});

describe('inline validation', () => {
  it('asks for a recipient, and names unreachable Slack people and departed employees where they were picked', async () => {
    const h = await start();
    const view = await shortcutModal(h, { ts: ORIGINAL_TS, text: 'hello' });
    const empty = await submitModal(h, view, { text: 'hello' });
    expect(empty.json).toEqual({
      response_action: 'errors',
      errors: { recipients: 'Add at least one recipient.' },
    });

    const stranger = await submitModal(h, view, {
      recipients: [U0!.openUserId],
      slackUsers: ['U0STRANGER'],
      text: 'hello',
    });
    expect(stranger.json).toMatchObject({
      response_action: 'errors',
      errors: {
        slack_users: expect.stringMatching(
          /@carol: no Fxiaoke employee .*Remove them to send to the others\./,
        ),
      },
    });
    const departed = await submitModal(h, view, {
      recipients: [U0!.openUserId, STOPPED.openUserId],
      text: 'hello',
    });
    expect(departed.json).toMatchObject({
      response_action: 'errors',
      errors: {
        recipients: expect.stringContaining(`Stopped User (${STOPPED.openUserId}): has left the company`),
      },
    });
    const tooLong = await submitModal(h, view, { recipients: [U0!.openUserId], text: 'x'.repeat(4001) });
    expect(tooLong.json).toMatchObject({ errors: { message: expect.stringContaining('4001 characters') } });
    expect(sends(h)).toHaveLength(0);
  });

  it('a bare /fx-send opens the same modal with the channel defaults and no source message', async () => {
    const h = await start();
    await h.command('');
    const opened = await h.slack.waitFor(() => h.slack.callsTo('views.open')[0]);
    const view = opened.body.view as Parameters<typeof block>[0];
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({
      teamId: TEAM_ID,
      channelId: CHANNEL_ID,
      channelName: CHANNEL_NAME,
    });
    expect(block(view, 'recipients')?.element?.initial_options?.map((o) => o.value)).toEqual([
      'sales',
      U3!.openUserId,
    ]);
    await submitModal(h, view, {
      recipients: ['sales'],
      slackUsers: [],
      text: 'from the modal',
      userId: SENDER_ID,
    });
    const receipt = await h.receiptAfter(0);
    expect(receipt.channel).toBe(CHANNEL_ID);
    expect(h.emulator.messages[0]!.toUser).toEqual([U0!.openUserId, U1!.openUserId]);
  });
});
