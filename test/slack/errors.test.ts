/** Reading Slack's error string off real Web API client failures (the fake Slack Web API on loopback). */
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { SlackAuthError } from '../../src/slack/api/bot-identity.js';
import {
  isPlatformError,
  platformErrorCode,
  SlackAdapterError,
  SlackErrorCode,
  slackErrorCode,
} from '../../src/slack/errors.js';

let slack: FakeSlackApi | undefined;
afterEach(async () => {
  await slack?.stop();
  slack = undefined;
});

async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('Slack error helpers', () => {
  it('read the error string of an ok: false answer', async () => {
    slack = await FakeSlackApi.start();
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    slack.failNext('users.info', 'user_not_found');
    const error = await failureOf(() => client.users.info({ user: 'U0NOBODY' }));
    expect(isPlatformError(error)).toBe(true);
    expect(slackErrorCode(error)).toBe('user_not_found');
    expect(platformErrorCode(error)).toBe('user_not_found');
  });

  it('find no error string where Slack never answered', async () => {
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: 'http://127.0.0.1:1/api/',
      retryConfig: { retries: 0 },
    });
    const error = await failureOf(() => client.users.info({ user: 'U0SOMEONE' }));
    expect(isPlatformError(error)).toBe(false);
    expect(slackErrorCode(error)).toBeUndefined();
    expect(platformErrorCode(error)).toBeUndefined();
    expect(slackErrorCode(undefined)).toBeUndefined();
  });

  it('give every adapter error a code from one list', () => {
    const error = new SlackAuthError('invalid_auth');
    expect(error).toBeInstanceOf(SlackAdapterError);
    expect(error.code).toBe(SlackErrorCode.AuthFailed);
    expect(error.name).toBe('SlackAuthError');
  });
});
