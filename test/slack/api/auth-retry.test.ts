/** Start-up's auth.test against the fake Slack Web API: retried while Slack fails, not when it refuses. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../../dev/fakes/slack-api.js';
import type { Config } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { resolveBotIdentityPatiently } from '../../../src/slack/api/auth-retry.js';

let slack: FakeSlackApi | undefined;
afterEach(async () => {
  await slack?.stop();
  slack = undefined;
});

function slackConfig(apiUrl: string): Config['slack'] {
  return {
    mode: 'http',
    botToken: 'xoxb-auth-retry-test-0123456789',
    signingSecret: 'signing-secret-auth-retry',
    appToken: undefined,
    apiUrl,
    fileMaxBytes: 1024,
    startupRetrySeconds: 60,
  };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, log: createLogger({ destination, format: 'json' }).logger };
}

describe('resolveBotIdentityPatiently', () => {
  it('keeps trying while Slack is unavailable, says so, then starts', async () => {
    slack = await FakeSlackApi.start();
    slack.failNext('auth.test', 'service_unavailable', 3);
    const { lines, log } = capture();
    const sleeps: number[] = [];
    const identity = await resolveBotIdentityPatiently(slackConfig(slack.url), log, {
      retryForMs: 60_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(identity).toEqual({ botId: slack.botId, botUserId: slack.botUserId });
    expect(slack.callsTo('auth.test')).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000, 4000]);
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(3);
    expect(String(warnings[0]?.msg)).toContain('Slack auth.test failed (service_unavailable); retrying');
    expect(String(warnings[0]?.msg)).toContain('SLACK_STARTUP_RETRY_SECONDS');
  });

  it('fails at once when Slack refuses the token, naming SLACK_BOT_TOKEN', async () => {
    slack = await FakeSlackApi.start();
    slack.failNext('auth.test', 'invalid_auth');
    const { log } = capture();
    await expect(
      resolveBotIdentityPatiently(slackConfig(slack.url), log, { retryForMs: 60_000, sleep: async () => {} }),
    ).rejects.toThrow(/Slack did not accept SLACK_BOT_TOKEN \(auth\.test: invalid_auth\)/);
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('gives up once the retry time is spent on a Slack nobody answers', async () => {
    // A port nothing listens on: every try is a refused connection.
    slack = await FakeSlackApi.start();
    const url = slack.url;
    await slack.stop();
    slack = undefined;
    const { lines, log } = capture();
    let clock = 0;
    await expect(
      resolveBotIdentityPatiently(slackConfig(url), log, {
        retryForMs: 3_000,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      }),
    ).rejects.toThrow(/Slack's auth\.test kept failing for 3 s \(3 tries; last: A request error occurred/);
    // A 1 s pause, then the 2 s left: two pauses, three tries.
    expect(lines.filter((line) => line.level === 40)).toHaveLength(2);
  });
});
