/** users.info, cached: against the fake Slack Web API through a real WebClient. */
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../../dev/fakes/slack-api.js';
import { SlackProfileCache } from '../../../src/slack/api/profiles.js';

let slack: FakeSlackApi | undefined;
afterEach(async () => {
  await slack?.stop();
  slack = undefined;
});

async function setup(ttlMs = 60_000) {
  slack = await FakeSlackApi.start();
  const client = new webApi.WebClient('xoxb-test', {
    slackApiUrl: slack.url,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
  const clock = { now: 0 };
  const cache = new SlackProfileCache(client, ttlMs, () => clock.now);
  return { slack, cache, clock, asked: () => slack!.callsTo('users.info').length };
}

describe('SlackProfileCache', () => {
  it('reads name, e-mail and phone, and asks Slack once per user within the TTL', async () => {
    const { slack, cache, clock, asked } = await setup();
    slack.addUser({
      id: 'U0A',
      name: 'ann',
      real_name: 'Ann Lee',
      email: 'ann@example.com',
      phone: '+86 138',
    });
    const [first, second] = await Promise.all([cache.get('U0A'), cache.get('U0A')]);
    expect(first).toEqual({ id: 'U0A', name: 'ann', email: 'ann@example.com', phone: '+86 138' });
    expect(second).toEqual(first);
    expect(cache.cachedName('U0A')).toBe('ann');
    expect(asked()).toBe(1);
    clock.now = 60_000;
    expect(cache.cachedName('U0A')).toBeUndefined();
    await cache.get('U0A');
    expect(asked()).toBe(2);
  });

  it('remembers users Slack does not know, but not failures', async () => {
    const { slack, cache, asked } = await setup();
    expect(await cache.get('U0GHOST')).toBeUndefined();
    expect(await cache.get('U0GHOST')).toBeUndefined();
    expect(asked()).toBe(1);
    slack.addUser({ id: 'U0B', name: 'bo' });
    slack.failNext('users.info', 'missing_scope');
    await expect(cache.get('U0B')).rejects.toThrow(/missing_scope/);
    expect(await cache.nameOf('U0B')).toBe('bo');
    slack.failNext('users.info', 'ratelimited');
    expect(await cache.nameOf('U0C')).toBeUndefined();
  });
});
