/**
 * The one factory of Slack Web API clients: each client it makes calls SLACK_API_URL with its
 * token, gives up after three quick tries (one for `fx-bridge check`), and logs through the
 * bridge's logger; and no other file in src/ makes a client or writes client options of its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../../dev/fakes/slack-api.js';
import { createLogger } from '../../../src/logger.js';
import { InstallationWebClient, slackWebClient } from '../../../src/slack/api/web-client.js';

const TOKEN = 'xoxb-web-client-test-0123456789';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Slack that drops every connection, counting the requests it dropped. */
async function droppingSlack(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req) => {
    requests += 1;
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/`, requests: () => requests };
}

describe('slackWebClient', () => {
  it('calls the Web API at SLACK_API_URL with its token', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.stop());
    const answer = await slackWebClient(TOKEN, slack.url).auth.test();
    expect(answer.ok).toBe(true);
    const calls = slack.callsTo('auth.test');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('tries three times, then fails; once when asked for no retries', async () => {
    const slack = await droppingSlack();
    await expect(slackWebClient(TOKEN, slack.url).auth.test()).rejects.toMatchObject({
      code: 'slack_webapi_request_error',
    });
    expect(slack.requests()).toBe(3);

    const once = await droppingSlack();
    await expect(slackWebClient(TOKEN, once.url, { retries: 'none' }).auth.test()).rejects.toThrow();
    expect(once.requests()).toBe(1);
  });

  it('logs through the logger it is given, as Bolt does, with the token hidden', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        callback();
      },
    });
    const { logger } = createLogger({ destination, format: 'json', level: 'debug', secrets: [TOKEN] });
    const slack = await droppingSlack();
    await expect(slackWebClient(TOKEN, slack.url, { logger, retries: 'none' }).auth.test()).rejects.toThrow();
    expect(lines).toContainEqual(
      expect.objectContaining({ component: 'bolt', msg: "apiCall('auth.test') start" }),
    );
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});

describe('InstallationWebClient (install mode)', () => {
  it('calls with the workspace’s token as it is at each call, unless a call names its own', async () => {
    const slack = await FakeSlackApi.start();
    cleanups.push(() => slack.stop());
    let current = 'xoxb-first-0123456789';
    let reads = 0;
    const client = new InstallationWebClient(async () => {
      reads += 1;
      return current;
    }, slack.url);
    await client.chat.postMessage({ channel: 'C1', text: 'one' });
    current = 'xoxb-rotated-0123456789';
    await client.chat.postMessage({ channel: 'C1', text: 'two' });
    await client.chat.postMessage({ channel: 'C1', text: 'three', token: 'xoxb-given-0123456789' });
    expect(slack.callsTo('chat.postMessage').map((call) => call.headers.authorization)).toEqual([
      'Bearer xoxb-first-0123456789',
      'Bearer xoxb-rotated-0123456789',
      'Bearer xoxb-given-0123456789',
    ]);
    expect(reads).toBe(2);
  });
});

describe('src/ and Web API clients', () => {
  const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
  const FACTORY = join('slack', 'api', 'web-client.ts');

  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sources(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    });
  }

  it('makes every client, and every set of client options, in slack/api/web-client.ts', () => {
    const files = sources(SRC).map((path) => ({
      name: relative(SRC, path),
      text: readFileSync(path, 'utf8'),
    }));
    expect(files.map((file) => file.name)).toContain(FACTORY);
    const offenders = files
      .filter(({ name }) => name !== FACTORY)
      .flatMap(({ name, text }) => [
        ...(/new (webApi\.)?WebClient\(/.test(text) ? [`${name}: new WebClient(`] : []),
        ...(/clientOptions: \{/.test(text) ? [`${name}: clientOptions written out`] : []),
        ...(/retryConfig:/.test(text) ? [`${name}: a retry policy of its own`] : []),
      ]);
    expect(offenders).toEqual([]);
  });
});
