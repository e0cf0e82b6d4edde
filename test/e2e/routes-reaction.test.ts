/**
 * Channel routes, `forward: reaction`: signed `reaction_added` events through the real Bolt app,
 * the message read back with conversations.history / replies from the fake Slack Web API, the
 * emulator and a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TEAM_ID } from '../../dev/fakes/slack-requests.js';
import { Harness } from './harness.js';
import { openHome, publishedHome } from './people-requests.js';
import { AUTHOR, DEALS, freshTs, REACTOR, react, relaysFor, routedRelay } from './route-requests.js';

const SEND = '/cgi/app/message/send';
const REVOKE = '/cgi/app/message/revoke';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(extra = '') {
  const h = await Harness.start({
    fileConfig: ['routes:', `  ${DEALS}:`, '    to: ["1001"]', '    forward: reaction', extra].join('\n'),
  });
  harness = h;
  h.slack.addUser({ id: AUTHOR, name: 'ana' });
  h.slack.addUser({ id: 'U0BOB', name: 'bob' });
  h.slack.setChannelName(DEALS, 'deals');
  return h;
}

/** A message people posted in #deals (the event of its posting is not routed: only reactions are). */
function posted(
  h: Harness,
  text: string,
  fields: { thread_ts?: string; bot_id?: string; user?: string } = {},
) {
  const ts = freshTs();
  h.slack.addChannelMessage({ channel: DEALS, user: fields.user ?? AUTHOR, text, ts, ...fields });
  return ts;
}

describe('forward: reaction', () => {
  it('relays the message someone reacts to, read from Slack and attributed to its author, once however many react', async () => {
    const h = await start();
    const ts = posted(h, 'Ask <@U0BOB> about the ACME deal');
    expect((await react(h, { ts })).status).toBe(200);
    const record = await routedRelay(h, DEALS, ts);
    expect(h.emulator.messages).toHaveLength(1);
    expect(h.emulator.messages[0]!.content).toBe('ana (Slack, deals):\nAsk @bob about the ACME deal');
    expect(h.emulator.messages[0]!.toUser).toEqual(['1001']);
    expect(record).toMatchObject({
      senderId: AUTHOR,
      text: 'Ask @bob about the ACME deal',
      slack: { teamId: TEAM_ID, channelId: DEALS, ts },
      intake: { route: { forward: 'reaction', reactorId: REACTOR } },
    });
    // Read with latest=ts, inclusive, limit=1.
    expect(h.slack.callsTo('conversations.history')[0]?.body).toMatchObject({
      channel: DEALS,
      latest: ts,
      inclusive: 'true',
      limit: '1',
    });
    // A second person reacts, Slack delivers the first reaction again, another emoji is added.
    await react(h, { ts, user: 'U0SECOND' });
    await react(h, { ts });
    await react(h, { ts, user: 'U0SECOND', reaction: 'eyes' });
    await h.bridge.slack.jobs.idle();
    expect(h.emulator.requestsTo(SEND)).toHaveLength(1);
    expect(await relaysFor(h, DEALS, ts)).toHaveLength(1);
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(0);
    // Quiet: the message is marked ✅ by the bot, nothing is posted.
    expect(h.slack.reactions).toMatchObject([{ channel: DEALS, timestamp: ts, name: 'white_check_mark' }]);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    // The author's App Home shows it, with who relayed it by reaction.
    await openHome(h, AUTHOR);
    const home = await h.slack.waitFor(() => publishedHome(h, AUTHOR));
    expect(JSON.stringify(home.blocks)).toContain(`routed from <#${DEALS}> by <@${REACTOR}>’s reaction`);
  });

  it('relays a thread reply, read with conversations.replies', async () => {
    const h = await start();
    const parent = posted(h, 'Thread about pricing');
    const reply = posted(h, 'Price agreed at 12k', { thread_ts: parent });
    await react(h, { ts: reply });
    const record = await routedRelay(h, DEALS, reply);
    expect(record.text).toBe('Price agreed at 12k');
    expect(record.intake?.threadReply).toBe(true);
    expect(h.slack.callsTo('conversations.replies')[0]?.body).toMatchObject({ channel: DEALS, ts: reply });
  });

  it('refuses a reactor who may not send, privately; someone who may then relays it', async () => {
    const h = await start('access:\n  send:\n    users: [U0ALLOWED]\n');
    const ts = posted(h, 'Only leads relay this');
    await react(h, { ts });
    const told = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.body).toMatchObject({ channel: DEALS, user: REACTOR });
    expect(String(told.body.text)).toContain(`The message you reacted to in <#${DEALS}>`);
    expect(String(told.body.text)).toContain('Nothing was sent');
    expect(h.emulator.requestsTo(SEND)).toHaveLength(0);
    // The same refused reactor again (Slack's retry): refused, not told twice.
    await react(h, { ts });
    await h.bridge.slack.jobs.idle();
    expect(h.slack.callsTo('chat.postEphemeral')).toHaveLength(1);
    await react(h, { ts, user: 'U0ALLOWED' });
    const record = await routedRelay(h, DEALS, ts);
    expect(record.intake?.route?.reactorId).toBe('U0ALLOWED');
    expect(h.emulator.requestsTo(SEND)).toHaveLength(1);
    expect(await relaysFor(h, DEALS, ts)).toHaveLength(1);
  });

  it('lets the reactor and the author revoke it, and nobody else', async () => {
    const h = await start();
    const ts = posted(h, 'Revocable');
    await react(h, { ts });
    const record = await routedRelay(h, DEALS, ts);
    const stranger = await h.revokeByShortcut(DEALS, ts, 'U0STRANGER');
    expect((await h.responsesTo(stranger.responseUrl))[0]).toContain('can revoke');
    const byReactor = await h.revokeByShortcut(DEALS, ts, REACTOR);
    expect((await h.responsesTo(byReactor.responseUrl))[0]).toContain('Revoked relay');
    expect(h.emulator.requestsTo(REVOKE)).toHaveLength(1);
    expect((await h.bridge.store.findById(record.id))?.revokedBy).toBe(REACTOR);

    const other = posted(h, 'Also revocable');
    await react(h, { ts: other });
    await routedRelay(h, DEALS, other);
    const byAuthor = await h.revokeByShortcut(DEALS, other, AUTHOR);
    expect((await h.responsesTo(byAuthor.responseUrl))[0]).toContain('Revoked relay');
  });

  it('does not relay a bot’s message, and tells the reactor why', async () => {
    const h = await start();
    const ts = posted(h, 'Build #42 passed', { bot_id: 'B0CI', user: 'U0CIBOT' });
    await react(h, { ts, author: 'U0CIBOT' });
    const told = await h.slack.waitFor(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.body.user).toBe(REACTOR);
    expect(String(told.body.text)).toContain('bot’s message');
    expect(h.emulator.requestsTo(SEND)).toHaveLength(0);
  });
});
