/**
 * Who may send (access.send in the config file), through signed requests at every front door:
 * /fx-send, the message shortcut, the compose window's submission, and confirming a held relay.
 * A refusal sends nothing and stores nothing, and says who may send and whom to ask.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  messageShortcutPayload,
  sendInteraction,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import { Harness, SENDER_ID, TEAM_ID } from './harness.js';
import { buttons, clickEphemeral, type SlackView, submitModal, viewText } from './people-requests.js';

const RELAYS = 'C0RELAYS';
const LEAD = 'U0LEAD';
const ADMIN = 'U0ADMIN';
const FILE_CONFIG = [
  `admins: [${ADMIN}]`,
  'access:',
  '  send:',
  '    userGroups: [S0LEADS]',
  `    channels: [${RELAYS}]`,
].join('\n');

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(fileConfig = FILE_CONFIG): Promise<Harness> {
  harness = await Harness.start({ fileConfig });
  harness.slack.setUserGroupMembers('S0LEADS', [LEAD]);
  return harness;
}

function recipient(h: Harness): string {
  return h.emulator.options.users[0]!.openUserId;
}

async function firstAnswer(h: Harness, responseUrl: string): Promise<string> {
  return (await h.responsesTo(responseUrl))[0]!;
}

/** The message shortcut, clicked by `userId` in `channelId`; the response_url it answers on. */
async function shortcut(h: Harness, userId: string, channelId = RELAYS) {
  const responseUrl = h.slack.responseUrl();
  const response = await sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    messageShortcutPayload({
      callbackId: 'fx_send_message',
      userId,
      channelId,
      message: { ts: '1700000123.000200', text: 'the numbers', user: 'U0AUTHOR' },
      responseUrl,
    }),
  );
  expect(response.status).toBe(200);
  return responseUrl;
}

/** A compose window as it would have been opened in `channelId` (submitted without opening one). */
function composeView(channelId = RELAYS): SlackView {
  return {
    callback_id: 'fx_send_modal',
    private_metadata: JSON.stringify({ teamId: TEAM_ID, channelId }),
    blocks: [],
  };
}

async function nothingSentOrStored(h: Harness): Promise<void> {
  // The bridge's own "done": nothing it was handed is queued, running or still being answered,
  // so work after an ack would have reached Fxiaoke by now if it were going to.
  await h.bridge.slack.jobs.idle();
  expect(h.emulator.messages).toHaveLength(0);
  // Received before the ack, then closed as not sent: on record, never carried out.
  expect(
    (await h.bridge.store.listRecent(10)).every(
      (record) => record.status === 'failed' && record.batches.length === 0,
    ),
  ).toBe(true);
}

describe('access.send', () => {
  it('refuses a sender outside the group at /fx-send, the shortcut and the submission', async () => {
    const h = await start();
    const expected =
      'only members of <!subteam^S0LEADS> can send to Fxiaoke, and only from <#C0RELAYS>. Ask an fx-bridge admin (<@U0ADMIN>) for access.';

    const { responseUrl } = await h.command(`${recipient(h)} hello`, { channel_id: RELAYS });
    expect(await firstAnswer(h, responseUrl)).toContain(expected);

    const bare = await h.command('', { channel_id: RELAYS });
    expect(await firstAnswer(h, bare.responseUrl)).toContain(expected);

    expect(await firstAnswer(h, await shortcut(h, SENDER_ID))).toContain(expected);
    expect(h.slack.callsTo('views.open')).toHaveLength(0); // no window opens for a refused sender

    const submitted = await submitModal(h, composeView(), { recipients: [recipient(h)], text: 'hello' });
    expect(submitted.json).toMatchObject({
      response_action: 'update',
      view: { callback_id: 'fx_send_refused' },
    });
    expect(viewText((submitted.json as { view: SlackView }).view)).toContain(expected);

    await nothingSentOrStored(h);
    expect(h.logLines.join('\n')).toContain('"refusal":"not_allowed:not_listed"');
  });

  it('accepts a member of the group at every door', async () => {
    const h = await start();
    await h.command(`${recipient(h)} from a lead`, { user_id: LEAD, channel_id: RELAYS });
    expect((await h.settledRelayFor(await h.receiptAfter(0))).status).toBe('sent');

    await shortcut(h, LEAD);
    const opened = await h.slack.waitFor(() => h.slack.callsTo('views.open')[0]);
    expect((opened.body.view as SlackView).callback_id).toMatch(/^fx_send_modal/);

    const submitted = await submitModal(h, composeView(), {
      recipients: [recipient(h)],
      text: 'from the window',
      userId: LEAD,
    });
    expect(submitted.json).toBeUndefined(); // a plain ack: the window closes
    await h.slack.waitFor(() => h.emulator.messages.length === 2);
    // Membership is cached (PEOPLE_CACHE_TTL_SECONDS): one lookup for all of it.
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('refuses a member outside the listed channels, saying where to send from', async () => {
    const h = await start();
    const { responseUrl } = await h.command(`${recipient(h)} hello`, {
      user_id: LEAD,
      channel_id: 'C0OTHER',
    });
    expect(await firstAnswer(h, responseUrl)).toContain(
      'fx-bridge relays to Fxiaoke only from <#C0RELAYS>. Only members of <!subteam^S0LEADS> can send. Send from there, or ask an fx-bridge admin (<@U0ADMIN>) to add this conversation.',
    );
    expect(await firstAnswer(h, await shortcut(h, LEAD, 'C0OTHER'))).toContain('only from <#C0RELAYS>');
    const submitted = await submitModal(h, composeView('C0OTHER'), {
      recipients: [recipient(h)],
      text: 'hello',
      userId: LEAD,
    });
    expect(JSON.stringify(submitted.json)).toContain('only from <#C0RELAYS>');
    await nothingSentOrStored(h);
  });

  it('lets an admin send from anywhere, in no group', async () => {
    const h = await start();
    await h.command(`${recipient(h)} admin here`, { user_id: ADMIN, channel_id: 'C0ELSEWHERE' });
    expect((await h.settledRelayFor(await h.receiptAfter(0))).status).toBe('sent');
  });

  it('fails closed when Slack cannot say who is in the group, and recovers when it can', async () => {
    const h = await start();
    h.slack.failNext('usergroups.users.list', 'internal_error');
    const { responseUrl } = await h.command(`${recipient(h)} hello`, { user_id: LEAD, channel_id: RELAYS });
    expect(await firstAnswer(h, responseUrl)).toContain(
      'fx-bridge could not check your user group membership with Slack. Try again in a moment.',
    );
    await nothingSentOrStored(h);
    h.slack.failNext('usergroups.users.list', 'internal_error');
    const submitted = await submitModal(h, composeView(), {
      recipients: [recipient(h)],
      text: 'hi',
      userId: LEAD,
    });
    expect(submitted.json).toMatchObject({
      response_action: 'errors',
      errors: { message: expect.stringContaining('could not check your user group membership') },
    });
    await nothingSentOrStored(h);

    await h.command(`${recipient(h)} hello again`, { user_id: LEAD, channel_id: RELAYS });
    expect((await h.settledRelayFor(await h.receiptAfter(0))).status).toBe('sent');
  });

  it('a slow group lookup does not hold the window past Slack’s 3 s: it opens, the submission decides', async () => {
    const h = await start();
    h.slack.rateLimitNext('usergroups.users.list', 2); // the lookup now takes over 2 s
    await shortcut(h, SENDER_ID);
    await h.slack.waitFor(() => h.slack.callsTo('usergroups.users.list').length === 2, 5_000);
    // The window opened while the lookup was still waiting out Slack's rate limit, not after it.
    const order = h.slack.calls.map((call) => call.method);
    expect(order.indexOf('views.open')).toBeGreaterThan(-1);
    expect(order.indexOf('views.open')).toBeLessThan(order.lastIndexOf('usergroups.users.list'));
    const submitted = await submitModal(h, composeView(), { recipients: [recipient(h)], text: 'hello' });
    expect(submitted.json).toMatchObject({
      response_action: 'update',
      view: { callback_id: 'fx_send_refused' },
    });
    await nothingSentOrStored(h);
  });

  it('refuses to confirm a held relay for a sender who may no longer send', async () => {
    // Held in a channel the sender may send from; confirmed once the group no longer lists them.
    const h = await start();
    h.slack.addUser({ id: 'U0STRANGER', name: 'carol', email: 'carol@elsewhere.example' });
    const asked = await h.command(`<@U0STRANGER|carol>,${recipient(h)} partial`, {
      user_id: LEAD,
      channel_id: RELAYS,
    });
    await h.slack.waitFor(() => h.slack.responsesTo(asked.responseUrl).length > 0);
    const [send] = buttons(h.slack.responsesTo(asked.responseUrl)[0]!.body.blocks);
    expect(send?.action_id).toBe('fx_send_reachable');

    await h.restart(); // a fresh membership cache, as after PEOPLE_CACHE_TTL_SECONDS
    h.slack.setUserGroupMembers('S0LEADS', []);
    const click = await clickEphemeral(h, 'fx_send_reachable', send!.value, LEAD);
    await h.slack.waitFor(() =>
      h.slack.responsesTo(click.responseUrl).some((call) => String(call.body.text).includes('only members')),
    );
    expect(h.emulator.messages).toHaveLength(0);
  });
});
