/**
 * People, not ids: Slack mentions in /fx-send and Slack people picked in the modal are mapped to
 * Fxiaoke employees (config file, then profile e-mail over the address book, then profile phone
 * via getByMobile). Unreachable people are named; nothing goes to a partial list unless the sender
 * confirms.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { CHANNEL_ID, Harness, SENDER_ID } from './harness.js';
import { buttons, clickEphemeral, shortcutModal, submitModal } from './people-requests.js';

const USERS = defaultUsers();
const [U0, U1, U2, , U4] = USERS;
const FILE_CONFIG = `slackUsers:\n  U0CONF: ${U4!.openUserId}\n`;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(): Promise<Harness> {
  harness = await Harness.start({ fileConfig: FILE_CONFIG });
  const slack = harness.slack;
  slack.addUser({ id: 'U0CONF', name: 'conf', email: 'someone-else@example.com' });
  slack.addUser({ id: 'U0EMAIL', name: 'Emma', email: 'TEST.USER.2@example.com' });
  slack.addUser({ id: 'U0PHONE', name: 'Phil', phone: '+86 138-0000-0003' });
  slack.addUser({ id: 'U0STRANGER', name: 'carol', email: 'carol@elsewhere.example' });
  slack.addUser({ id: 'U0LEFT', name: 'leo', email: 'stopped@example.com' });
  return harness;
}

async function responseTo(h: Harness, url: string, index = 0) {
  await h.slack.waitFor(() => h.slack.responsesTo(url).length > index);
  return h.slack.responsesTo(url)[index]!.body;
}

describe('/fx-send with Slack mentions', () => {
  it('maps mentions by the config file, by profile e-mail and by profile phone', async () => {
    const h = await start();
    await h.command('<@U0CONF|conf>,<@U0EMAIL|emma>,<@U0PHONE|phil> Numbers are in');
    const receipt = await h.receiptAfter(0);
    await h.settledRelayFor(receipt);
    expect(h.emulator.messages[0]!.toUser).toEqual([U4!.openUserId, U1!.openUserId, U2!.openUserId]);
    // The config mapping needed no profile; the phone was asked as Fxiaoke stores it.
    expect(
      h.slack
        .callsTo('users.info')
        .map((call) => call.body.user)
        .sort(),
    ).toEqual(['U0EMAIL', 'U0PHONE']);
    expect(h.emulator.requestsTo('/cgi/user/getByMobile').map((r) => r.body)).toEqual([
      { mobile: '13800000003' },
    ]);

    // Profiles and the address book are cached: the same mentions again ask Slack and Fxiaoke nothing.
    const listed = h.emulator.requestsTo('/cgi/user/list').length;
    await h.command('<@U0EMAIL|emma>,<@U0PHONE|phil> Again');
    await h.settledRelayFor(await h.receiptAfter(1));
    expect(h.slack.callsTo('users.info')).toHaveLength(2);
    expect(h.emulator.requestsTo('/cgi/user/getByMobile')).toHaveLength(1);
    expect(h.emulator.requestsTo('/cgi/user/list')).toHaveLength(listed);
  });

  it('names everyone who cannot be reached, and sends nothing when nobody can', async () => {
    const h = await start();
    const { responseUrl } = await h.command('<@U0STRANGER|carol>,<@U0LEFT|leo> hello');
    const answer = await responseTo(h, responseUrl);
    expect(String(answer.text)).toContain('Nothing was sent');
    expect(String(answer.text)).toMatch(/@carol`: no Fxiaoke employee has their Slack e-mail or phone/);
    expect(String(answer.text)).toMatch(/@leo`: has left the company/);
    expect(buttons(answer.blocks)).toEqual([]);
    expect(h.emulator.messages).toHaveLength(0);
  });

  it('asks before sending to the others, and sends to exactly them once confirmed', async () => {
    const h = await start();
    const { responseUrl } = await h.command('<@U0EMAIL|emma>,<@U0STRANGER|carol>,<@U0LEFT|leo> Partial news');
    const asked = await responseTo(h, responseUrl);
    expect(String(asked.text)).toContain('Nothing has been sent yet: 2 recipients cannot be reached');
    expect(JSON.stringify(asked.blocks)).toContain('@carol');
    expect(JSON.stringify(asked.blocks)).toContain('@leo');
    const [send, cancel] = buttons(asked.blocks);
    expect(send).toMatchObject({
      action_id: 'fx_send_reachable',
      text: { text: 'Send to the 1 who can be reached' },
    });
    expect(cancel).toMatchObject({ action_id: 'fx_cancel_held', value: send!.value });
    expect(h.emulator.messages).toHaveLength(0);

    // Someone else cannot confirm it.
    const other = await clickEphemeral(h, 'fx_send_reachable', send!.value, 'U0SOMEONE');
    expect(String((await responseTo(h, other.responseUrl)).text)).toContain('Only <@U0SENDER>');
    expect(h.emulator.messages).toHaveLength(0);

    const click = await clickEphemeral(h, 'fx_send_reachable', send!.value);
    const receipt = await h.receiptAfter(0);
    expect(receipt.channel).toBe(CHANNEL_ID);
    await h.settledRelayFor(receipt);
    expect(h.emulator.messages.map((m) => m.toUser)).toEqual([[U1!.openUserId]]);
    expect(h.emulator.messages[0]!.content).toContain('Partial news');
    const done = await responseTo(h, click.responseUrl, 1);
    expect(done).toMatchObject({
      replace_original: true,
      text: expect.stringContaining('the receipt is in the channel'),
    });

    const twice = await clickEphemeral(h, 'fx_send_reachable', send!.value);
    expect(String((await responseTo(h, twice.responseUrl)).text)).toContain('already sent as relay');
    expect(h.emulator.messages).toHaveLength(1);
    // The held request became the relay itself: one record, marked as confirmed by its sender.
    const held = await h.bridge.store.findById(send!.value);
    expect(held).toMatchObject({ status: 'sent', intake: { confirmedBy: expect.any(String) } });
  });

  it('cancels: nothing is sent, and a late confirmation says so', async () => {
    const h = await start();
    const { responseUrl } = await h.command('<@U0EMAIL|emma>,<@U0STRANGER|carol> Maybe');
    const [send] = buttons((await responseTo(h, responseUrl)).blocks);
    const cancel = await clickEphemeral(h, 'fx_cancel_held', send!.value);
    expect(await responseTo(h, cancel.responseUrl)).toMatchObject({
      replace_original: true,
      text: expect.stringContaining('Cancelled. Nothing was sent'),
    });
    const late = await clickEphemeral(h, 'fx_send_reachable', send!.value);
    expect(String((await responseTo(h, late.responseUrl)).text)).toContain('Cancelled');
    expect(h.emulator.messages).toHaveLength(0);
  });
});

describe('Slack people picked in the modal', () => {
  it('are mapped like mentions and sent with the other recipients', async () => {
    const h = await start();
    const view = await shortcutModal(h, { ts: '1700000555.000100', text: 'from a modal' });
    await submitModal(h, view, {
      recipients: [U0!.openUserId],
      slackUsers: ['U0PHONE', 'U0CONF'],
      text: 'from a modal',
    });
    await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(h.emulator.messages[0]!.toUser).toEqual([U0!.openUserId, U2!.openUserId, U4!.openUserId]);
  });

  it('hold for confirmation when the lookup outlasts the 3-second ack', async () => {
    const h = await start();
    const view = await shortcutModal(h, { ts: '1700000556.000100', text: 'slow' });
    // users.info answers only after 3 s: the submission must ack before knowing.
    h.slack.rateLimitNext('users.info', 3);
    const submitted = await submitModal(h, view, {
      recipients: [U0!.openUserId],
      slackUsers: ['U0STRANGER'],
      text: 'slow',
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');
    expect(submitted.elapsedMs).toBeLessThan(2_900);
    const asked = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0], 8_000);
    expect(asked.body.user).toBe(SENDER_ID);
    expect(buttons(asked.body.blocks).map((button) => button.action_id)).toEqual([
      'fx_send_reachable',
      'fx_cancel_held',
    ]);
    expect(h.emulator.messages).toHaveLength(0);
    const click = await clickEphemeral(h, 'fx_send_reachable', buttons(asked.body.blocks)[0]!.value);
    const done = await responseTo(h, click.responseUrl, 1);
    expect(String(done.text)).toContain('Relayed to Fxiaoke');
    // Keyed by the original message, so Revoke from Fxiaoke on it works.
    const { responseUrl } = await h.revokeByShortcut(CHANNEL_ID, '1700000556.000100');
    expect((await h.responsesTo(responseUrl))[0]).toContain('Revoked relay');
  }, 15_000);
});
