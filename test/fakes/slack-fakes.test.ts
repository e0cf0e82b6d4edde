import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { type WebAPIPlatformError, type WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  BOT_ID,
  BOT_USER_ID,
  blockActionPayload,
  CHANNEL_ID,
  interactivityBody,
  messageShortcutPayload,
  postSigned,
  SENDER_ID,
  sendInteraction,
  sendSlashCommand,
  signSlackRequest,
  slashCommandBody,
  TEAM_DOMAIN,
  TEAM_ID,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';

const TOKEN = 'xoxb-test-token-123';
const SIGNING_SECRET = 'fakes-test-signing-secret';

let fake: FakeSlackApi;

beforeAll(async () => {
  fake = await FakeSlackApi.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
});

function client(options: { rejectRateLimitedCalls?: boolean } = {}): WebClient {
  return new WebClient(TOKEN, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

async function platformError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  try {
    await promise;
  } catch (error) {
    return error as WebAPIPlatformError;
  }
  throw new Error('expected the call to fail');
}

describe('FakeSlackApi with a real WebClient', () => {
  it('answers auth.test and records the bot token in the Authorization header', async () => {
    const result = await client().auth.test();
    expect(result).toMatchObject({ ok: true, user_id: BOT_USER_ID, bot_id: BOT_ID, team_id: TEAM_ID });
    expect(fake.url).toBe(`${fake.baseUrl}/api/`);
    const [call] = fake.callsTo('auth.test');
    expect(call?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('records chat.postMessage with blocks decoded, then chat.update and chat.delete', async () => {
    const web = client();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hello*' } }];
    const posted = await web.chat.postMessage({ channel: CHANNEL_ID, text: 'hello', blocks });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe(CHANNEL_ID);
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);

    const call = fake.callsTo('chat.postMessage')[0];
    expect(call?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(call?.body.blocks).toEqual(blocks);
    expect(call?.body.text).toBe('hello');

    const second = await web.chat.postMessage({ channel: CHANNEL_ID, text: 'again', thread_ts: posted.ts });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));

    const ts = posted.ts ?? '';
    await web.chat.update({ channel: CHANNEL_ID, ts, text: 'edited', blocks: [] });
    const message = fake.message(CHANNEL_ID, ts);
    expect(message).toMatchObject({ text: 'edited', blocks: [], deleted: false });
    expect(message?.updates).toHaveLength(1);
    expect(fake.message(CHANNEL_ID, second.ts ?? '')?.thread_ts).toBe(ts);

    await web.chat.delete({ channel: CHANNEL_ID, ts });
    expect(fake.message(CHANNEL_ID, ts)?.deleted).toBe(true);
    const error = await platformError(web.chat.update({ channel: CHANNEL_ID, ts, text: 'too late' }));
    expect(error.data.error).toBe('message_not_found');
    expect(fake.messages).toHaveLength(2);
  });

  it('answers chat.getPermalink as Slack does, and not for a deleted message', async () => {
    const web = client();
    const link = await web.chat.getPermalink({ channel: CHANNEL_ID, message_ts: '1700000123.000200' });
    expect(link).toMatchObject({
      ok: true,
      channel: CHANNEL_ID,
      permalink: `https://${TEAM_DOMAIN}.slack.com/archives/${CHANNEL_ID}/p1700000123000200`,
    });
    const posted = await web.chat.postMessage({ channel: CHANNEL_ID, text: 'gone soon' });
    await web.chat.delete({ channel: CHANNEL_ID, ts: posted.ts ?? '' });
    const gone = await platformError(
      web.chat.getPermalink({ channel: CHANNEL_ID, message_ts: posted.ts ?? '' }),
    );
    expect(gone.data.error).toBe('message_not_found');
    const malformed = await platformError(
      web.chat.getPermalink({ channel: CHANNEL_ID, message_ts: 'yesterday' }),
    );
    expect(malformed.data.error).toBe('message_not_found');
  });

  it('accepts JSON bodies as well as form bodies', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: CHANNEL_ID, text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: CHANNEL_ID });
    expect(fake.messages[0]?.blocks).toEqual([{ type: 'divider' }]);

    // A form-encoded text that merely looks like JSON stays a string.
    await client().chat.postMessage({ channel: CHANNEL_ID, text: '{"not":"blocks"}' });
    expect(fake.callsTo('chat.postMessage')[1]?.body.text).toBe('{"not":"blocks"}');
  });

  it('answers not_in_channel where the bot cannot post, but DMs to a user id always work', async () => {
    const web = client();
    fake.setChannelPostable('C0PRIVATE', false);
    const error = await platformError(web.chat.postMessage({ channel: 'C0PRIVATE', text: 'x' }));
    expect(error.code).toBe('slack_webapi_platform_error');
    expect(error.data.error).toBe('not_in_channel');

    const dm = await web.chat.postMessage({ channel: SENDER_ID, text: 'fallback' });
    expect(dm.channel).toBe('D0SENDER');
    expect(fake.message('D0SENDER', dm.ts ?? '')?.text).toBe('fallback');

    fake.setChannelPostable('C0PRIVATE', true);
    await expect(web.chat.postMessage({ channel: 'C0PRIVATE', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('fails the next calls on demand and answers 429 with Retry-After', async () => {
    const web = client({ rejectRateLimitedCalls: true });
    fake.failNext('chat.postEphemeral', 'channel_not_found', 2);
    for (let i = 0; i < 2; i += 1) {
      const error = await platformError(
        web.chat.postEphemeral({ channel: CHANNEL_ID, user: SENDER_ID, text: 'x' }),
      );
      expect(error.data.error).toBe('channel_not_found');
    }
    const ephemeral = await web.chat.postEphemeral({ channel: CHANNEL_ID, user: SENDER_ID, text: 'x' });
    expect(ephemeral.message_ts).toMatch(/^\d+\.\d+$/);

    fake.rateLimitNext('chat.postMessage', 7);
    const limited = (await platformError(
      web.chat.postMessage({ channel: CHANNEL_ID, text: 'x' }),
    )) as unknown as WebAPIRateLimitedError;
    expect(limited.code).toBe('slack_webapi_rate_limited_error');
    expect(limited.retryAfter).toBe(7);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.messages).toHaveLength(0);
  });

  it('serves views, users.info, conversations.open and unknown methods', async () => {
    const web = client();
    const view = {
      type: 'modal' as const,
      callback_id: 'fx_send_modal',
      title: { type: 'plain_text' as const, text: 'Send' },
      blocks: [],
    };
    const opened = await web.views.open({ trigger_id: '1.2.abc', view });
    expect(opened.view?.id).toMatch(/^V/);
    expect(fake.callsTo('views.open')[0]?.body.view).toEqual(view);
    const reused = await platformError(web.views.open({ trigger_id: '1.2.abc', view }));
    expect(reused.data.error).toBe('exchanged_trigger_id');
    await expect(web.views.update({ view_id: opened.view?.id ?? '', view })).resolves.toMatchObject({
      ok: true,
    });
    await expect(
      web.views.publish({ user_id: SENDER_ID, view: { type: 'home', blocks: [] } }),
    ).resolves.toMatchObject({
      ok: true,
    });

    fake.addUser({ id: 'U0ALICE', name: 'alice', real_name: 'Alice Li', email: 'alice@example.com' });
    const info = await web.users.info({ user: 'U0ALICE' });
    expect(info.user?.profile?.email).toBe('alice@example.com');
    expect((await platformError(web.users.info({ user: 'U0NOBODY' }))).data.error).toBe('user_not_found');

    const im = await web.conversations.open({ users: 'U0ALICE' });
    expect(im.channel?.id).toBe('D0ALICE');

    const unknown = await platformError(web.apiCall('pins.add', { channel: CHANNEL_ID }));
    expect(unknown.data.error).toBe('unknown_method');
    expect(fake.callsTo('pins.add')).toHaveLength(1);
  });

  it('serves people’s channel messages (history, replies), channel names and the bot’s reactions', async () => {
    const web = client();
    fake.addChannelMessage({ channel: CHANNEL_ID, user: 'U0A', text: 'parent', ts: '1700000001.000100' });
    fake.addChannelMessage({
      channel: CHANNEL_ID,
      user: 'U0B',
      text: 'reply',
      ts: '1700000002.000100',
      thread_ts: '1700000001.000100',
    });
    fake.addChannelMessage({ channel: CHANNEL_ID, user: 'U0A', text: 'later', ts: '1700000003.000100' });
    const one = await web.conversations.history({
      channel: CHANNEL_ID,
      latest: '1700000001.000100',
      oldest: '1700000001.000100',
      inclusive: true,
      limit: 1,
    });
    expect(one.messages?.map((m) => m.text)).toEqual(['parent']);
    // History lists top-level messages only; a reply is found through replies.
    const none = await web.conversations.history({
      channel: CHANNEL_ID,
      latest: '1700000002.000100',
      oldest: '1700000002.000100',
      inclusive: true,
      limit: 1,
    });
    expect(none.messages).toEqual([]);
    const thread = await web.conversations.replies({
      channel: CHANNEL_ID,
      ts: '1700000002.000100',
      latest: '1700000002.000100',
      inclusive: true,
      limit: 1,
    });
    expect(thread.messages?.map((m) => m.text)).toEqual(['parent', 'reply']);
    expect(
      (await platformError(web.conversations.replies({ channel: CHANNEL_ID, ts: '1.2' }))).data.error,
    ).toBe('thread_not_found');
    expect((await web.conversations.info({ channel: CHANNEL_ID })).channel?.name).toBe('general');
    expect((await platformError(web.conversations.info({ channel: 'C0NONE' }))).data.error).toBe(
      'channel_not_found',
    );

    await web.reactions.add({
      channel: CHANNEL_ID,
      timestamp: '1700000003.000100',
      name: 'white_check_mark',
    });
    expect(fake.reactions).toMatchObject([
      { channel: CHANNEL_ID, timestamp: '1700000003.000100', name: 'white_check_mark' },
    ]);
    const twice = web.reactions.add({
      channel: CHANNEL_ID,
      timestamp: '1700000003.000100',
      name: 'white_check_mark',
    });
    expect((await platformError(twice)).data.error).toBe('already_reacted');
    await web.reactions.remove({
      channel: CHANNEL_ID,
      timestamp: '1700000003.000100',
      name: 'white_check_mark',
    });
    expect(fake.reactions).toEqual([]);
  });

  it('records response_url posts and enforces five uses', async () => {
    const url = fake.responseUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response\//);
    expect(fake.responseUrl()).not.toBe(url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `n${i}`, response_type: 'ephemeral' }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(fake.responsesTo(url)).toHaveLength(6);
    expect(fake.responsesTo(url).map((call) => call.status)).toEqual(statuses);
    expect(fake.responses[0]?.body).toEqual({ text: 'n0', response_type: 'ephemeral' });
    expect(fake.responsesTo(fake.responseUrl('other'))).toHaveLength(0);
  });

  it('expires a response_url on demand, or once its lifetime has passed on the fake’s clock', async () => {
    const post = async (url: string) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'late' }),
      });
      return { status: response.status, body: (await response.json()) as { error?: string } };
    };
    const expired = fake.responseUrl();
    expect((await post(expired)).status).toBe(200);
    fake.expireResponseUrl(expired);
    expect(await post(expired)).toEqual({ status: 404, body: { ok: false, error: 'expired_url' } });
    expect(fake.responsesTo(expired).map((call) => call.status)).toEqual([200, 404]);

    const clock = { now: 1_000_000 };
    const aging = await FakeSlackApi.start({ now: () => clock.now });
    try {
      const url = aging.responseUrl();
      clock.now += 30 * 60_000 - 1;
      expect((await post(url)).status).toBe(200);
      clock.now += 1;
      expect(await post(url)).toEqual({ status: 404, body: { ok: false, error: 'expired_url' } });
      expect((await post(aging.responseUrl())).status).toBe(200); // a fresh one starts its own 30 minutes
    } finally {
      await aging.stop();
    }
  });

  it('waitFor resolves with the first truthy value and rejects clearly after the timeout', async () => {
    setTimeout(() => void client().auth.test(), 20);
    const call = await fake.waitFor(() => fake.callsTo('auth.test')[0]);
    expect(call.method).toBe('auth.test');
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/timed out after 50 ms/);
  });
});

describe('signed requests against a real Bolt app (HTTP mode)', () => {
  let app: App;
  let eventsUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    app = new App({
      signingSecret: SIGNING_SECRET,
      token: TOKEN,
      botId: BOT_ID,
      botUserId: BOT_USER_ID,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
      customRoutes: [
        {
          path: '/healthz',
          method: 'GET',
          handler: (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          },
        },
      ],
    });
    app.command('/fx-send', async ({ ack, respond, command, client: web }) => {
      await ack();
      seen.push(`command:${command.text}`);
      await respond({ text: `got: ${command.text}`, response_type: 'ephemeral' });
      await web.chat.postMessage({ channel: command.channel_id, text: 'receipt' });
    });
    app.shortcut('fx_send_message', async ({ ack, shortcut }) => {
      await ack();
      seen.push(`shortcut:${shortcut.type}:${shortcut.type === 'message_action' ? shortcut.message.ts : ''}`);
    });
    app.action('fx_revoke', async ({ ack, body }) => {
      await ack();
      seen.push(`action:${body.type}`);
    });
    app.view('fx_send_modal', async ({ ack, view }) => {
      await ack({ response_action: 'errors', errors: { recipients: `bad: ${view.private_metadata}` } });
    });
    // App#start(0) passes 0 straight to server.listen: an ephemeral port, read back from the returned server.
    const server = await app.start(0);
    const { port } = server.address() as AddressInfo;
    eventsUrl = `http://127.0.0.1:${port}/slack/events`;
  });

  afterAll(async () => {
    await app.stop();
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it("signs Slack's documented worked example byte for byte", () => {
    // docs.slack.dev/authentication/verifying-requests-from-slack
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it('delivers a validly signed slash command: ack, respond via response_url, Web API call', async () => {
    const responseUrl = fake.responseUrl();
    const result = await sendSlashCommand(eventsUrl, SIGNING_SECRET, {
      text: 'FSUID_1,<@U0ALICE|alice> hello  world\nline 2',
      response_url: responseUrl,
    });
    expect(result.status).toBe(200);
    expect(result.elapsedMs).toBeLessThan(3000);
    const [response] = await fake.waitFor(() => {
      const r = fake.responsesTo(responseUrl);
      return r.length > 0 && r;
    });
    expect(response?.body).toEqual({
      text: 'got: FSUID_1,<@U0ALICE|alice> hello  world\nline 2',
      response_type: 'ephemeral',
    });
    const posted = await fake.waitFor(() => fake.messages[0]);
    expect(posted).toMatchObject({ channel: CHANNEL_ID, text: 'receipt' });
    expect(fake.callsTo('chat.postMessage')[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(fake.callsTo('auth.test')).toHaveLength(0); // botId + botUserId given: no auth.test
    expect(seen).toEqual(['command:FSUID_1,<@U0ALICE|alice> hello  world\nline 2']);
  });

  it('rejects a forged signature and a stale timestamp with 401', async () => {
    const body = slashCommandBody({ text: 'x', response_url: fake.responseUrl() });
    const forged = await postSigned(eventsUrl, body, {
      signingSecret: SIGNING_SECRET,
      signature: signSlackRequest('wrong-secret', body)['x-slack-signature'],
    });
    expect(forged.status).toBe(401);
    const stale = await postSigned(eventsUrl, body, {
      signingSecret: SIGNING_SECRET,
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(stale.status).toBe(401);
    const wrongSecret = await sendSlashCommand(eventsUrl, 'not-the-secret', { text: 'x', response_url: 'x' });
    expect(wrongSecret.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('routes shortcut, block action and view submission payloads to their listeners', async () => {
    const shortcut = messageShortcutPayload({
      callbackId: 'fx_send_message',
      message: { ts: '1700000001.000100', bot_id: 'B0OTHER' },
      responseUrl: fake.responseUrl(),
    });
    expect(shortcut).toMatchObject({
      type: 'message_action',
      team: { id: TEAM_ID },
      channel: { id: CHANNEL_ID },
    });
    expect((await sendInteraction(eventsUrl, SIGNING_SECRET, shortcut)).status).toBe(200);

    const action = blockActionPayload({
      actionId: 'fx_revoke',
      value: 'relay-1',
      messageTs: '1700000001.000200',
      responseUrl: fake.responseUrl(),
    });
    expect((await sendInteraction(eventsUrl, SIGNING_SECRET, action)).status).toBe(200);

    const submission = viewSubmissionPayload({
      callbackId: 'fx_send_modal',
      privateMetadata: 'meta',
      values: { recipients: { recipients: { type: 'plain_text_input', value: '' } } },
    });
    const result = await postSigned(eventsUrl, interactivityBody(submission), {
      signingSecret: SIGNING_SECRET,
    });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({ response_action: 'errors', errors: { recipients: 'bad: meta' } });

    expect(seen).toEqual(['shortcut:message_action:1700000001.000100', 'action:block_actions']);
  });

  it('serves customRoutes on the same port', async () => {
    const response = await fetch(eventsUrl.replace('/slack/events', '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
  });
});
