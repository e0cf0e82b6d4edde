/**
 * Channel routes, `forward: all`: signed `message` events through the real Bolt app (HTTP mode),
 * the emulator (departments included), the fake Slack Web API and a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { departmentCompany } from '../../dev/fakes/fxiaoke-emulator.js';
import { BOT_ID, BOT_USER_ID, TEAM_ID } from '../../dev/fakes/slack-requests.js';
import { Harness } from './harness.js';
import { openHome, publishedHome } from './people-requests.js';
import { AUTHOR, postMessage, relaysFor, routedRelay, SALES } from './route-requests.js';
import { eventCallback, messageChanged, postEvent } from './sync-requests.js';

const SEND = '/cgi/app/message/send';
const REVOKE = '/cgi/app/message/revoke';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(extra = '') {
  const company = departmentCompany();
  const h = await Harness.start({
    emulator: { users: company.users, departments: company.departments },
    fileConfig: [
      'routes:',
      `  ${SALES}:`,
      `    to: ["dept:Shanghai", "${company.users[0]!.openUserId}"]`,
      '    forward: all',
      extra,
    ].join('\n'),
  });
  harness = h;
  h.slack.addUser({ id: AUTHOR, name: 'ana' });
  h.slack.setChannelName(SALES, 'sales');
  const recipients = [
    ...company.users.filter((user) => user.departmentIds?.includes(1004)).map((user) => user.openUserId),
    company.users[0]!.openUserId,
  ];
  return { h, recipients };
}

describe('forward: all', () => {
  it('relays a new message once, attributed to its author, to the route’s recipients, and keeps the channel quiet', async () => {
    const { h, recipients } = await start();
    const { ts, response, body } = await postMessage(h, { text: 'Deal closed with ACME' });
    expect(response.status).toBe(200);
    const record = await routedRelay(h, SALES, ts);
    expect(h.emulator.messages).toHaveLength(1);
    const sent = h.emulator.messages[0]!;
    expect(sent.toUser).toEqual(recipients);
    expect(sent.content).toBe('ana (Slack, sales):\nDeal closed with ACME');
    expect(record).toMatchObject({
      senderId: AUTHOR,
      slack: { teamId: TEAM_ID, channelId: SALES, ts },
      intake: { route: { forward: 'all' }, senderName: 'ana', channelName: 'sales' },
      departments: [{ id: 1004, name: 'Shanghai', people: 2 }],
    });
    // Slack delivers it again (a retry, and a copy without retry headers): still one relay.
    expect((await postEvent(h, body, 1)).status).toBe(200);
    expect((await postEvent(h, eventCallback(body.event as Record<string, unknown>))).status).toBe(200);
    await h.bridge.slack.jobs.idle();
    expect(h.emulator.requestsTo(SEND)).toHaveLength(1);
    expect(await relaysFor(h, SALES, ts)).toHaveLength(1);
    // Nothing was posted in the channel, and nobody was told anything: the message is marked ✅, once.
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    expect(h.slack.reactions).toMatchObject([{ channel: SALES, timestamp: ts, name: 'white_check_mark' }]);
  });

  it('shows in its author’s App Home as a routed relay, with its channel', async () => {
    const { h } = await start();
    const { ts } = await postMessage(h, { text: 'For the Home' });
    const record = await routedRelay(h, SALES, ts);
    await openHome(h, AUTHOR);
    const home = await h.slack.waitFor(() => publishedHome(h, AUTHOR));
    const shown = JSON.stringify(home.blocks);
    expect(shown).toContain(`routed from <#${SALES}>`);
    expect(shown).toContain(record.id);
    expect(shown).toContain('Shanghai (dept 1004): 2 people');
    // The author may revoke it from there.
    expect(shown).toContain('"action_id":"fx_revoke"');
  });

  it('does not relay bot messages (its own above all), other subtypes, thread replies or unrouted channels', async () => {
    const { h } = await start();
    const parent = await postMessage(h, { text: 'A thread' });
    await routedRelay(h, SALES, parent.ts);
    const ignored = [
      { text: 'I am a bot', bot_id: 'B0OTHER', subtype: 'bot_message' },
      { text: 'fx-bridge’s own post', user: BOT_USER_ID, bot_id: BOT_ID },
      { text: 'has joined the channel', subtype: 'channel_join' },
      { text: 'a reply', thread_ts: parent.ts },
      { text: 'elsewhere', channel: 'C0OTHER' },
    ];
    for (const message of ignored) {
      const posted = await postMessage(h, message);
      expect(posted.response.status).toBe(200);
      // Not even recorded: nothing waits to be sent later.
      expect(await relaysFor(h, message.channel ?? SALES, posted.ts), message.text).toEqual([]);
    }
    // An edit is not a new message (sync.edits decides what it does).
    await postEvent(
      h,
      eventCallback({
        ...messageChanged({ ts: parent.ts, text: 'A thread!', previousText: 'A thread' }),
        channel: SALES,
      }),
    );
    // A thread reply also sent to the channel is relayed.
    const broadcast = await postMessage(h, {
      text: 'also in the channel',
      thread_ts: parent.ts,
      subtype: 'thread_broadcast',
    });
    await routedRelay(h, SALES, broadcast.ts);
    await h.bridge.slack.jobs.idle();
    expect(h.emulator.messages.map((message) => message.content.split('\n')[1])).toEqual([
      'A thread',
      'also in the channel',
    ]);
  });

  it('relays the files of a message as Send to Fxiaoke does: images forwarded, the others named', async () => {
    const { h } = await start();
    const pdf = h.slack.addFile('F0PDF', {
      name: 'terms.pdf',
      mimetype: 'application/pdf',
      bytes: new Uint8Array([37, 80, 68, 70]),
    });
    const { ts } = await postMessage(h, { text: 'Signed terms', subtype: 'file_share', files: [pdf] });
    await routedRelay(h, SALES, ts);
    expect(h.emulator.messages[0]!.content).toContain('Signed terms');
    expect(h.emulator.messages[0]!.content).toContain('[Files in Slack, not forwarded: terms.pdf]');
  });

  it('tells the author privately when Fxiaoke refuses, with the errorCode and the traceId', async () => {
    const { h } = await start();
    h.emulator.addFault({ fault: { type: 'error', errorCode: 20014 }, path: SEND });
    const { ts } = await postMessage(h, { text: 'Will not go' });
    const record = await routedRelay(h, SALES, ts, (r) => r.status === 'failed');
    const told = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.body).toMatchObject({ channel: SALES, user: AUTHOR });
    const text = String(told.body.text);
    expect(text).toContain(`Your message in <#${SALES}>`);
    expect(text).toContain('errorCode 20014');
    expect(text).toContain(record.error?.traceId ?? 'no traceId');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    // Not marked: it reached nobody.
    expect(h.slack.callsTo('reactions.add')).toHaveLength(0);
  });

  it('is keyed by its Slack message: Revoke from Fxiaoke by the author takes it back; a stranger may not', async () => {
    const { h } = await start();
    const { ts } = await postMessage(h, { text: 'Take me back' });
    const record = await routedRelay(h, SALES, ts);
    await h.slack.waitFor(() => h.slack.reactions.length === 1);
    const stranger = await h.revokeByShortcut(SALES, ts, 'U0STRANGER');
    expect((await h.responsesTo(stranger.responseUrl))[0]).toContain('Only <@U0AUTHOR>');
    const { responseUrl } = await h.revokeByShortcut(SALES, ts, AUTHOR);
    expect((await h.responsesTo(responseUrl))[0]).toContain('Revoked relay');
    expect(
      h.emulator.requestsTo(REVOKE).map((request) => (request.body as { messageId: string }).messageId),
    ).toEqual([record.batches[0]!.messageId]);
  });

  it('follows an edit by its author (sync.edits: auto) as a relay of Send to Fxiaoke does', async () => {
    const { h } = await start('sync:\n  edits: auto\n');
    const { ts } = await postMessage(h, { text: 'Meeting at 10' });
    await routedRelay(h, SALES, ts);
    const edit = {
      ...messageChanged({ ts, userId: AUTHOR, text: 'Meeting at 11', previousText: 'Meeting at 10' }),
      channel: SALES,
    };
    expect((await postEvent(h, eventCallback(edit))).status).toBe(200);
    await routedRelay(h, SALES, ts, (r) => r.text === 'Meeting at 11' && r.status === 'sent');
    expect(h.emulator.requestsTo(REVOKE)).toHaveLength(1);
    expect(h.emulator.messages.at(-1)?.content).toContain('Meeting at 11');
  });

  it('applies who may send to the author: a refusal is told privately and nothing is sent', async () => {
    const { h } = await start('access:\n  send:\n    users: [U0SOMEONEELSE]\n');
    const { ts } = await postMessage(h, { text: 'Not allowed' });
    const told = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.body.user).toBe(AUTHOR);
    expect(String(told.body.text)).toContain(`Your message in <#${SALES}> (routed to Fxiaoke):`);
    expect(String(told.body.text)).toContain('Nothing was sent');
    const [record] = await relaysFor(h, SALES, ts);
    expect(record).toMatchObject({ status: 'failed', error: { kind: 'refused' } });
    expect(h.emulator.requestsTo(SEND)).toHaveLength(0);
  });

  it('tells the author, privately, when the route names a department Fxiaoke does not have', async () => {
    const company = departmentCompany();
    const h = await Harness.start({
      emulator: { users: company.users, departments: company.departments },
      fileConfig: ['routes:', '  C0TYPO:', '    to: ["dept:Sales Eats"]', '    forward: all', ''].join('\n'),
    });
    harness = h;
    const { ts } = await postMessage(h, { channel: 'C0TYPO', text: 'Nobody gets this' });
    const told = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.body).toMatchObject({ channel: 'C0TYPO', user: AUTHOR });
    const text = String(told.body.text);
    expect(text).toContain('Your message in <#C0TYPO> (routed to Fxiaoke): nothing was sent');
    expect(text).toContain(
      'no Fxiaoke department is called “Sales Eats”; the closest: Sales East (dept 1002)',
    );
    expect(text).toContain('`routes.C0TYPO.to`');
    expect(text).not.toContain('/fx-send <recipients>');
    expect(await relaysFor(h, 'C0TYPO', ts)).toMatchObject([{ status: 'failed' }]);
    expect(h.emulator.requestsTo(SEND)).toHaveLength(0);
  });

  it('applies the per-user send limit to the author', async () => {
    const { h } = await start('limits:\n  sendsPerUserPerMinute: 1\n');
    const first = await postMessage(h, { text: 'One' });
    await routedRelay(h, SALES, first.ts);
    const second = await postMessage(h, { text: 'Two' });
    const told = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.body.user).toBe(AUTHOR);
    expect(String(told.body.text)).toMatch(/Try again in \d+ s/);
    expect(await relaysFor(h, SALES, second.ts)).toMatchObject([
      { status: 'failed', error: { kind: 'refused' } },
    ]);
    expect(h.emulator.requestsTo(SEND)).toHaveLength(1);
  });
});
