/** usergroups.users.list, cached: against the fake Slack Web API through a real WebClient. */
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../../dev/fakes/slack-api.js';
import { SlackUserGroups } from '../../../src/slack/api/user-groups.js';

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
  const logged: string[] = [];
  const log = {
    warn: (_details: object, message: string) => logged.push(`warn: ${message}`),
    error: (_details: object, message: string) => logged.push(`error: ${message}`),
  };
  const groups = new SlackUserGroups(client, log, ttlMs, () => clock.now);
  return { slack, groups, clock, logged, asked: () => slack!.callsTo('usergroups.users.list').length };
}

describe('SlackUserGroups', () => {
  it('reads the members, once per group within the TTL, one request in flight', async () => {
    const { slack, groups, clock, asked } = await setup();
    slack.setUserGroupMembers('S0LEADS', ['U0A', 'U0B']);
    const [first, second] = await Promise.all([groups.members('S0LEADS'), groups.members('S0LEADS')]);
    expect([...first]).toEqual(['U0A', 'U0B']);
    expect(second).toBe(first);
    expect(asked()).toBe(1);
    expect(slack.callsTo('usergroups.users.list')[0]!.body.usergroup).toBe('S0LEADS');
    slack.setUserGroupMembers('S0LEADS', ['U0C']);
    clock.now = 59_999;
    expect([...(await groups.members('S0LEADS'))]).toEqual(['U0A', 'U0B']);
    clock.now = 60_000;
    expect([...(await groups.members('S0LEADS'))]).toEqual(['U0C']);
    expect(asked()).toBe(2);
  });

  it('rejects when Slack fails, and does not cache the failure', async () => {
    const { slack, groups, asked, logged } = await setup();
    slack.setUserGroupMembers('S0LEADS', ['U0A']);
    slack.failNext('usergroups.users.list', 'missing_scope');
    await expect(groups.members('S0LEADS')).rejects.toThrow();
    expect(logged.join('\n')).toContain('usergroups:read');
    expect([...(await groups.members('S0LEADS'))]).toEqual(['U0A']);
    expect(asked()).toBe(2);
  });

  it('a group Slack does not know has no members (an answer, cached, and logged)', async () => {
    const { groups, asked, logged } = await setup();
    expect((await groups.members('S0GONE')).size).toBe(0);
    expect((await groups.members('S0GONE')).size).toBe(0);
    expect(asked()).toBe(1);
    expect(logged).toEqual([expect.stringContaining('does not exist')]);
  });
});
