/** The send access rule (access.send), as a table over an injected user-group lookup. */
import { describe, expect, it } from 'vitest';
import {
  type AccessDecision,
  decideSendAccess,
  type GroupMembers,
  OPEN_SEND_ACCESS,
  type SendAccessPolicy,
} from '../../src/relay/access.js';

const ADMINS = ['U0ADMIN'];
const GROUPS: Record<string, string[]> = { S0LEADS: ['U0LEAD'], S0OPS: ['U0OPS', 'U0BOTH'] };

/** Group lookup over GROUPS; S0DOWN always fails (Slack unreachable). Counts its calls. */
function lookup(): GroupMembers & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (group: string) => {
    calls.push(group);
    if (group === 'S0DOWN') throw new Error('slack down');
    return new Set(GROUPS[group] ?? []);
  };
  return Object.assign(fn, { calls });
}

function policy(overrides: Partial<SendAccessPolicy>): SendAccessPolicy {
  return { ...OPEN_SEND_ACCESS, ...overrides };
}

const allow = (because: string): AccessDecision => ({ allowed: true, because }) as AccessDecision;
const refuse = (reason: string): AccessDecision => ({ allowed: false, reason }) as AccessDecision;

const ONLY_USERS = policy({ users: ['U0LISTED'] });
const ONLY_GROUPS = policy({ userGroups: ['S0LEADS', 'S0OPS'] });
const USERS_AND_GROUPS = policy({ users: ['U0LISTED'], userGroups: ['S0LEADS'] });
const ONLY_CHANNELS = policy({ channels: ['C0RELAYS', 'D0DIRECT'] });
const GROUPS_IN_CHANNEL = policy({ userGroups: ['S0LEADS'], channels: ['C0RELAYS'] });
const ONE_GROUP_DOWN = policy({ userGroups: ['S0DOWN', 'S0LEADS'] });

const cases: Array<[string, SendAccessPolicy, string, string, AccessDecision]> = [
  ['open policy: anyone, anywhere', OPEN_SEND_ACCESS, 'U0ANYONE', 'C0ANY', allow('everyone')],
  ['open policy: a direct message too', OPEN_SEND_ACCESS, 'U0ANYONE', 'D0ANY', allow('everyone')],
  ['listed user', ONLY_USERS, 'U0LISTED', 'C0ANY', allow('listed_user')],
  ['unlisted user, users only', ONLY_USERS, 'U0OTHER', 'C0ANY', refuse('not_listed')],
  ['member of the first group', ONLY_GROUPS, 'U0LEAD', 'C0ANY', allow('group_member')],
  ['member of the second group', ONLY_GROUPS, 'U0BOTH', 'C0ANY', allow('group_member')],
  ['in no group', ONLY_GROUPS, 'U0OTHER', 'C0ANY', refuse('not_listed')],
  ['listed user OR group member: user', USERS_AND_GROUPS, 'U0LISTED', 'C0ANY', allow('listed_user')],
  ['listed user OR group member: member', USERS_AND_GROUPS, 'U0LEAD', 'C0ANY', allow('group_member')],
  ['listed user OR group member: neither', USERS_AND_GROUPS, 'U0OPS', 'C0ANY', refuse('not_listed')],
  ['channels only: listed channel', ONLY_CHANNELS, 'U0ANYONE', 'C0RELAYS', allow('everyone')],
  ['channels only: unlisted channel', ONLY_CHANNELS, 'U0ANYONE', 'C0OTHER', refuse('channel')],
  ['channels only: unlisted DM', ONLY_CHANNELS, 'U0ANYONE', 'D0OTHER', refuse('channel')],
  ['channels only: a listed DM', ONLY_CHANNELS, 'U0ANYONE', 'D0DIRECT', allow('everyone')],
  ['group AND channel: both', GROUPS_IN_CHANNEL, 'U0LEAD', 'C0RELAYS', allow('group_member')],
  ['group AND channel: member elsewhere', GROUPS_IN_CHANNEL, 'U0LEAD', 'C0OTHER', refuse('channel')],
  ['group AND channel: stranger there', GROUPS_IN_CHANNEL, 'U0OTHER', 'C0RELAYS', refuse('not_listed')],
  ['admin: open policy', OPEN_SEND_ACCESS, 'U0ADMIN', 'C0ANY', allow('admin')],
  ['admin: not listed anywhere', USERS_AND_GROUPS, 'U0ADMIN', 'C0ANY', allow('admin')],
  ['admin: from an unlisted channel', GROUPS_IN_CHANNEL, 'U0ADMIN', 'C0OTHER', allow('admin')],
  ['admin: while Slack is down', ONE_GROUP_DOWN, 'U0ADMIN', 'C0ANY', allow('admin')],
  ['lookup fails, member of the other group', ONE_GROUP_DOWN, 'U0LEAD', 'C0ANY', allow('group_member')],
  [
    'lookup fails, in no group: fails closed',
    ONE_GROUP_DOWN,
    'U0OTHER',
    'C0ANY',
    refuse('group_lookup_failed'),
  ],
  [
    'lookup fails, listed user is not affected',
    policy({ users: ['U0LISTED'], userGroups: ['S0DOWN'] }),
    'U0LISTED',
    'C0ANY',
    allow('listed_user'),
  ],
];

describe('decideSendAccess', () => {
  it.each(cases)('%s', async (_name, rule, userId, channelId, expected) => {
    expect(await decideSendAccess(rule, ADMINS, { userId, channelId }, lookup())).toEqual(expected);
  });

  it('looks groups up only when it must', async () => {
    const groups = lookup();
    await decideSendAccess(GROUPS_IN_CHANNEL, ADMINS, { userId: 'U0ADMIN', channelId: 'C0X' }, groups);
    await decideSendAccess(GROUPS_IN_CHANNEL, ADMINS, { userId: 'U0LEAD', channelId: 'C0OTHER' }, groups);
    await decideSendAccess(USERS_AND_GROUPS, ADMINS, { userId: 'U0LISTED', channelId: 'C0X' }, groups);
    await decideSendAccess(ONLY_CHANNELS, ADMINS, { userId: 'U0ANY', channelId: 'C0RELAYS' }, groups);
    expect(groups.calls).toEqual([]);
    await decideSendAccess(ONLY_GROUPS, ADMINS, { userId: 'U0OTHER', channelId: 'C0X' }, groups);
    expect(groups.calls).toEqual(['S0LEADS', 'S0OPS']);
  });

  it('without a lookup, a sender who needs a group is refused (fail closed), others are not', async () => {
    const attempt = (userId: string) => ({ userId, channelId: 'C0X' });
    expect(await decideSendAccess(USERS_AND_GROUPS, ADMINS, attempt('U0LEAD'), undefined)).toEqual(
      refuse('group_lookup_failed'),
    );
    expect(await decideSendAccess(USERS_AND_GROUPS, ADMINS, attempt('U0LISTED'), undefined)).toEqual(
      allow('listed_user'),
    );
    expect(await decideSendAccess(OPEN_SEND_ACCESS, ADMINS, attempt('U0ANY'), undefined)).toEqual(
      allow('everyone'),
    );
  });
});
