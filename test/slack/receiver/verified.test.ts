/**
 * The signature-first stage in front of a real Bolt app (HTTPReceiver, a slash-command listener) on
 * loopback: every unsigned, wrongly signed, stale or future request gets 401 and never reaches the
 * body parser or Bolt, multi-megabyte ones included; signed ones are parsed once and acked.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { App, type BufferedIncomingMessage, HTTPModuleFunctions, HTTPReceiver } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BOT_ID,
  BOT_USER_ID,
  postSigned,
  signSlackRequest,
  slashCommandBody,
  TEST_SIGNING_SECRET,
} from '../../../dev/fakes/slack-requests.js';
import { createLogger } from '../../../src/logger.js';
import { signatureFirst } from '../../../src/slack/receiver/verified.js';

const MB = 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** `[[[[…]]]]` just under Bolt's 4 MB limit: deep enough to make a parser work hard. */
const NESTED = `${'['.repeat(2 * MB - 16)}${']'.repeat(2 * MB - 16)}`;
/** A form body of 3 MB whose `payload` is `[[[[…`. */
const BIG_FORM = `payload=${encodeURIComponent('['.repeat(MB))}`;

let url: string;
let receiver: HTTPReceiver;
const counts = { parsed: 0, reachedBolt: 0, commands: 0 };
const logLines: string[] = [];

beforeAll(async () => {
  receiver = new HTTPReceiver({ signingSecret: TEST_SIGNING_SECRET, processBeforeResponse: false });
  const app = new App({ token: 'xoxb-test', receiver, botId: BOT_ID, botUserId: BOT_USER_ID });
  app.command('/fx-send', async ({ ack }) => {
    counts.commands += 1;
    await ack('got it');
  });
  const bolt = receiver.requestListener;
  const { logger } = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  receiver.requestListener = signatureFirst(
    (req, res) => {
      counts.reachedBolt += 1;
      bolt(req, res);
    },
    {
      signingSecret: TEST_SIGNING_SECRET,
      log: logger,
      parse: (req: BufferedIncomingMessage) => {
        counts.parsed += 1;
        return HTTPModuleFunctions.parseHTTPRequestBody(req);
      },
    },
  );
  const server = await receiver.start(0);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});
afterAll(async () => {
  await receiver.stop();
});
beforeEach(() => {
  counts.parsed = counts.reachedBolt = counts.commands = 0;
});

async function post(body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  return response.status;
}

const nowS = () => Math.floor(Date.now() / 1000);
const command = () => slashCommandBody({ text: 'team hello', response_url: 'http://127.0.0.1:9/r' });

describe('signature first, in front of a real Bolt app', () => {
  it('answers 401 to every request it cannot verify, without parsing it or passing it on', async () => {
    const body = command();
    const good = signSlackRequest(TEST_SIGNING_SECRET, body);
    const wrong = signSlackRequest('not-the-secret', body);
    const form = { 'content-type': FORM };
    const json = { 'content-type': JSON_TYPE };
    const cases: [string, string, Record<string, string>][] = [
      ['unsigned', body, form],
      ['wrong secret', body, { ...form, ...wrong }],
      ['tampered body', `${body}&extra=1`, { ...form, ...good }],
      ['stale', body, { ...form, ...signSlackRequest(TEST_SIGNING_SECRET, body, nowS() - 6 * 60) }],
      ['future', body, { ...form, ...signSlackRequest(TEST_SIGNING_SECRET, body, nowS() + 6 * 60) }],
      ['no signature', body, { ...form, 'x-slack-request-timestamp': good['x-slack-request-timestamp'] }],
      ['no timestamp', body, { ...form, 'x-slack-signature': good['x-slack-signature'] }],
      ['timestamp not a number', body, { ...form, ...good, 'x-slack-request-timestamp': 'now' }],
      ['4 MB nested JSON, unsigned', NESTED, json],
      ['4 MB nested JSON, wrong signature', NESTED, { ...json, ...signSlackRequest('nope-nope', NESTED) }],
      ['3 MB form, unsigned', BIG_FORM, form],
      ['3 MB form, wrong signature', BIG_FORM, { ...form, ...signSlackRequest('nope-nope', BIG_FORM) }],
      ['unsigned ssl_check with a smuggled body', `ssl_check=0&${body}`, form],
    ];
    const statuses = await Promise.all(cases.map(([, payload, headers]) => post(payload, headers)));
    expect(Object.fromEntries(cases.map(([name], i) => [name, statuses[i]]))).toEqual(
      Object.fromEntries(cases.map(([name]) => [name, 401])),
    );
    expect(counts).toEqual({ parsed: 0, reachedBolt: 0, commands: 0 });
    const log = logLines.join('');
    expect(log).toContain('signature not verified');
    expect(log).not.toContain(TEST_SIGNING_SECRET);
    expect(log).not.toContain(good['x-slack-signature'].slice(3));
  });

  it('refuses a declared body over the limit with 413 before reading it', async () => {
    const huge = 'a'.repeat(5 * MB);
    const status = await post(huge, { 'content-type': FORM, ...signSlackRequest(TEST_SIGNING_SECRET, huge) });
    expect(status).toBe(413);
    expect(counts.parsed).toBe(0);
    expect(counts.reachedBolt).toBe(0);
  });

  it('parses a signed body once, acks a command, and refuses a signed non-object with 400', async () => {
    const ok = await postSigned(url, command(), { signingSecret: TEST_SIGNING_SECRET });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('got it');
    expect(counts).toEqual({ parsed: 1, reachedBolt: 1, commands: 1 });
    for (const body of ['null', '[1]', '"text"']) {
      const refused = await postSigned(url, body, {
        signingSecret: TEST_SIGNING_SECRET,
        contentType: JSON_TYPE,
      });
      expect(refused.status, body).toBe(400);
    }
    expect(counts.reachedBolt).toBe(1);
  });

  it('lets Slack’s small unsigned ssl_check probe through to Bolt, as Bolt would', async () => {
    expect(await post('ssl_check=1&token=x', { 'content-type': FORM })).toBe(200);
    expect(counts.reachedBolt).toBe(1);
    expect(counts.commands).toBe(0);
  });

  it('acks a signed command while unsigned 4 MB floods are in flight', async () => {
    const floods = Array.from({ length: 8 }, () => post(NESTED, { 'content-type': JSON_TYPE }));
    const signed = await postSigned(url, command(), { signingSecret: TEST_SIGNING_SECRET });
    expect(signed.status).toBe(200);
    expect(await Promise.all(floods)).toEqual(Array(8).fill(401));
    expect(counts).toEqual({ parsed: 1, reachedBolt: 1, commands: 1 });
  });
});
