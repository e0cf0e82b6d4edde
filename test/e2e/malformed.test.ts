/**
 * Malformed and hostile Slack requests, correctly signed (so they get past the signature check
 * and reach the parser and the listeners): every one is answered, none crashes the bridge or
 * reaches Fxiaoke, the bridge still relays a valid command afterwards, and no secret reaches the
 * log on any of these error paths (nor on the Fxiaoke error paths exercised at the end).
 *
 * The tests of this file share one bridge and run in order: the log is grepped at the end.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockActionPayload,
  freshTriggerId,
  interactivityBody,
  messageShortcutPayload,
  signSlackRequest,
  slashCommandBody,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { APP_SECRET, BOT_TOKEN, Harness, PERMANENT_CODE } from './harness.js';

const SEND = '/cgi/app/message/send';
const TOKEN = '/oauth2.0/token';
const FORM = 'application/x-www-form-urlencoded';
const MB = 1024 * 1024;
/** Bolt's HTTPReceiver refuses bodies above this (its default `bodyLimit`). */
const BOLT_BODY_LIMIT = 4 * MB;

interface Answer {
  status: number | undefined;
  /** Set when the connection failed instead of answering (allowed only for the oversized body). */
  error?: string;
  elapsedMs: number;
}

/** POST with node:http, so a server that answers before reading a huge body is seen, not an EPIPE. */
function rawPost(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, elapsedMs: performance.now() - started }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        status: undefined,
        error: error.code ?? error.message,
        elapsedMs: performance.now() - started,
      }),
    );
    req.end(body);
  });
}

function signedPost(url: string, body: string | Buffer, contentType: string | undefined = FORM) {
  const signed = signSlackRequest(TEST_SIGNING_SECRET, body.toString());
  return rawPost(url, body, {
    ...(contentType === undefined ? {} : { 'content-type': contentType }),
    ...signed,
  });
}

const payload = (value: unknown) => new URLSearchParams({ payload: JSON.stringify(value) }).toString();

describe('malformed Slack requests', () => {
  let harness: Harness;
  let valid: string;
  const fxiaokeCallsBefore = () => harness.emulator.requests.length;

  beforeAll(async () => {
    harness = await Harness.start();
    valid = harness.emulator.options.users[0]!.openUserId;
  });
  afterAll(async () => {
    await harness.close();
  });

  it('answers every malformed payload without a crash and without calling Fxiaoke', async () => {
    const url = harness.eventsUrl;
    const responseUrl = harness.slack.responseUrl();
    const hugeText = `${valid} ${'x'.repeat(MB)}`;
    const hugeRecipients = Array.from({ length: 30_000 }, (_, i) => `nobody${i}`).join(',');
    /** Bolt itself throws while routing these (reading `actions[0]`, `user.id`), catches it and answers 500. */
    const boltAnswers500 = new Set([
      'block_actions with actions: null',
      'block_suggestion with an unknown action id',
    ]);
    const cases: [string, string | Buffer, string | undefined][] = [
      ['payload= not JSON', 'payload=%7Bnot%20json', FORM],
      ['payload= a JSON string', payload('just a string'), FORM],
      ['payload= a JSON array', payload([1, 2, 3]), FORM],
      ['payload= null', payload(null), FORM],
      ['payload= {} (no type)', payload({}), FORM],
      ['unknown payload type', payload({ type: 'mystery_type', user: { id: 'U1' } }), FORM],
      ['block_actions without actions or user', payload({ type: 'block_actions' }), FORM],
      [
        'block_actions with actions: null',
        payload({ type: 'block_actions', actions: null, user: { id: 'U1' } }),
        FORM,
      ],
      [
        'revoke button without value, channel or message',
        payload({
          type: 'block_actions',
          user: { id: 'U0SENDER' },
          team: { id: 'T0TEST' },
          actions: [{ action_id: 'fx_revoke', type: 'button' }],
          response_url: responseUrl,
        }),
        FORM,
      ],
      [
        'revoke button naming a relay that does not exist (10 KB id)',
        interactivityBody(
          blockActionPayload({
            actionId: 'fx_revoke',
            value: `rl_${'9'.repeat(10_000)}`,
            messageTs: '1.000001',
            responseUrl,
          }),
        ),
        FORM,
      ],
      [
        'unknown action id',
        interactivityBody(
          blockActionPayload({ actionId: 'fx_nope', value: 'x', messageTs: '1.1', responseUrl }),
        ),
        FORM,
      ],
      [
        'unknown message shortcut callback id',
        interactivityBody(
          messageShortcutPayload({ callbackId: 'fx_nope', message: { ts: '1.2', text: 'hi' }, responseUrl }),
        ),
        FORM,
      ],
      [
        'revoke shortcut on a message without ts',
        payload({
          type: 'message_action',
          callback_id: 'fx_revoke_message',
          user: { id: 'U0SENDER' },
          team: { id: 'T0TEST' },
          channel: { id: 'C0TEST' },
          message: {},
          trigger_id: freshTriggerId(),
          response_url: responseUrl,
        }),
        FORM,
      ],
      [
        'send shortcut on a message with junk blocks',
        interactivityBody(
          messageShortcutPayload({
            callbackId: 'fx_send_message',
            message: { ts: '1.3', blocks: [null, 7, { type: 'rich_text', elements: 'nope' }] },
            responseUrl,
          }),
        ),
        FORM,
      ],
      [
        'unknown view callback id',
        interactivityBody(viewSubmissionPayload({ callbackId: 'fx_nope', values: {} })),
        FORM,
      ],
      [
        'compose submission without any values',
        interactivityBody(viewSubmissionPayload({ callbackId: 'fx_send_modal', values: {} })),
        FORM,
      ],
      [
        'compose submission with junk metadata and wrong value types',
        interactivityBody(
          viewSubmissionPayload({
            callbackId: 'fx_send_modal',
            privateMetadata: '{"teamId":',
            values: { fx_recipients: { fx_recipients: { type: 'plain_text_input', value: 42 } } },
          }),
        ),
        FORM,
      ],
      [
        'block_suggestion with an unknown action id',
        payload({ type: 'block_suggestion', action_id: 'x', value: 'a' }),
        FORM,
      ],
      [
        'unknown slash command',
        slashCommandBody({ command: '/fx-nope', text: 'hi', response_url: responseUrl }),
        FORM,
      ],
      ['slash command with only the command field', 'command=%2Ffx-send', FORM],
      [
        'slash command with a ~1 MB message',
        slashCommandBody({ text: hugeText, response_url: responseUrl }),
        FORM,
      ],
      [
        'slash command with 30,000 unknown recipients',
        slashCommandBody({ text: `${hugeRecipients} hello`, response_url: responseUrl }),
        FORM,
      ],
      ['empty body', '', FORM],
      ['empty body without a content type', '', undefined],
      [
        'form body sent as JSON',
        slashCommandBody({ text: `${valid} hi`, response_url: responseUrl }),
        'application/json',
      ],
      [
        'form body sent as text/plain',
        slashCommandBody({ text: `${valid} hi`, response_url: responseUrl }),
        'text/plain',
      ],
      [
        'form body with a charset parameter',
        slashCommandBody({ text: `${valid} charset`, response_url: responseUrl }),
        `${FORM}; charset=utf-8`,
      ],
      ['JSON without a type', JSON.stringify({ hello: 'world' }), 'application/json'],
      ['JSON that is not JSON', '{"type":', 'application/json'],
      // Bolt 5.1 read `null.ssl_check` outside any handler: an unhandled rejection that ended the process.
      ['JSON body null', 'null', 'application/json'],
      [
        'event_callback of an unknown event',
        JSON.stringify({ type: 'event_callback', event: { type: 'weird' } }),
        'application/json',
      ],
      [
        'binary garbage',
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
        'application/octet-stream',
      ],
    ];

    const before = fxiaokeCallsBefore();
    const answers = await Promise.all(
      cases.map(async ([name, body, type]) => ({ name, ...(await signedPost(url, body, type)) })),
    );
    const oversized = await signedPost(url, Buffer.alloc(BOLT_BODY_LIMIT + MB, 'a'), FORM);
    const summary = answers.map((answer) => `${answer.name}: ${answer.status ?? answer.error}`);
    console.log(
      `malformed payloads → HTTP status:\n  ${summary.join('\n  ')}\n  oversized (5 MB): ${oversized.status ?? oversized.error}`,
    );

    for (const answer of answers) {
      expect(answer.error, answer.name).toBeUndefined();
      expect(answer.status, answer.name).toBeGreaterThanOrEqual(200);
      // Otherwise 500 would be Bolt's answer to an exception that escaped one of our listeners.
      if (!boltAnswers500.has(answer.name)) expect(answer.status, answer.name).not.toBe(500);
    }
    // Refused, or cut off, before it is buffered; either way the bridge lives on (checked below).
    if (oversized.status !== undefined) expect(oversized.status).toBe(413);
    else expect(oversized.error).toMatch(/ECONNRESET|EPIPE/);

    // The ~1 MB message and the 30,000 unknown recipients are refused with a reason.
    const replies = await harness.responsesTo(responseUrl, 2);
    expect(replies.some((text) => /limit|too long/i.test(text) && text.length < 10_000)).toBe(true);
    expect(replies.some((text) => text.includes('nobody0'))).toBe(true);
    const longest = Math.max(...replies.map((text) => text.length));
    console.log(`replies to the malformed commands: ${replies.length}, longest ${longest} characters`);
    // Quoting 30,000 recipients back made a 3 MB answer that Slack would have refused outright.
    expect(longest).toBeLessThan(10_000);

    // Nothing was sent or revoked. The only Fxiaoke calls are the address-book preload that opening
    // the compose window starts (the send shortcut and a bare /fx-send are valid requests for it).
    const calls = harness.emulator.requests.slice(before).map((request) => request.path);
    expect(calls.filter((path) => path !== TOKEN && path !== '/cgi/user/list')).toEqual([]);
    expect(harness.emulator.messages).toHaveLength(0);
  });

  it('still relays a valid command afterwards', async () => {
    const before = harness.slack.messages.length;
    const { response } = await harness.command(`${valid} still alive`);
    expect(response.status).toBe(200);
    const receipt = await harness.receiptAfter(before);
    const record = await harness.settledRelayFor(receipt);
    expect(record.status).toBe('sent');
    expect(harness.emulator.messages.map((message) => message.content).join('\n')).toContain('still alive');
    expect((await fetch(`${harness.baseUrl}/healthz`)).status).toBe(200);
  });

  it('keeps every secret out of the log after all these error paths, and of Fxiaoke’s too', async () => {
    const tokens = () =>
      harness.emulator
        .requestsTo(TOKEN)
        .map((request) => (request.response as { accessToken?: string } | undefined)?.accessToken)
        .filter((token): token is string => Boolean(token));
    const first = tokens()[0]!;
    // Fxiaoke answers that echo credentials, as gateways have been seen to: a call carries the
    // access token (send) or the app secret and permanent code (token fetch). The Slack secrets are
    // thrown in too, to see that the log scrubs them wherever they come from.
    const slackSecrets = `xoxb=${BOT_TOKEN}; signing=${TEST_SIGNING_SECRET}`;
    const echo = (what: string) =>
      `${what}: Authorization: Bearer ${first}; appSecret=${APP_SECRET}; permanentCode=${PERMANENT_CODE}; ${slackSecrets}`;
    const tokenEcho = `token: appSecret=${APP_SECRET}&permanentCode=${PERMANENT_CODE}; ${slackSecrets}`;
    harness.emulator.addFault({
      path: SEND,
      fault: { type: 'error', errorCode: 11016, errorMessage: echo('envelope') },
    });
    harness.emulator.addFault({ path: SEND, fault: { type: 'http', status: 504, body: echo('gateway') } });
    harness.emulator.addFault({ path: SEND, fault: { type: 'http', status: 200, body: echo('not json') } });
    harness.emulator.addFault({
      path: SEND,
      fault: { type: 'error', errorCode: 20016, errorMessage: echo('expired') },
    });
    harness.emulator.addFault({
      path: TOKEN,
      fault: { type: 'error', errorCode: 20006, errorMessage: tokenEcho },
    });
    const urls: string[] = [];
    // 'token': the 20016 refetches the token, and that fetch is refused with the echo.
    for (const label of ['envelope', 'gateway', 'not-json', 'token']) {
      const { responseUrl } = await harness.command(`${valid} fails with ${label}`);
      urls.push(responseUrl);
      await harness.responsesTo(responseUrl);
    }
    // A Slack Web API failure on the receipt, and a slash command whose text carries the secrets.
    harness.slack.failNext('chat.postMessage', 'invalid_auth');
    await harness.command(`${valid} ${echo('typed by a user')}`);
    await harness.slack.waitFor(
      () => harness.logLines.filter((line) => line.includes('relay finished')).length >= 6,
    );
    // The readiness probe reports Fxiaoke trouble too.
    await fetch(`${harness.baseUrl}/readyz`);

    const log = harness.logLines.join('\n');
    expect(log).toContain('Fxiaoke send failed');
    expect(log).toContain('Malformed request body'); // Bolt's own parse failures are in the log too
    const secrets = [BOT_TOKEN, TEST_SIGNING_SECRET, APP_SECRET, PERMANENT_CODE, ...new Set(tokens())];
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) expect(log, 'a secret in the log').not.toContain(secret);
    // What users were told carries none of the credentials Fxiaoke could echo (it never sees the
    // Slack ones); Fxiaoke's own text is shown, redacted.
    const told = JSON.stringify(urls.map((url) => harness.slack.responsesTo(url)));
    expect(told).toContain('[REDACTED]');
    for (const secret of [APP_SECRET, PERMANENT_CODE, ...new Set(tokens())]) {
      expect(told, 'a Fxiaoke credential told to a user').not.toContain(secret);
    }
  });
});
