/**
 * Who may send to Fxiaoke: the rule behind `access.send` in the config file, decided over an
 * injected user-group lookup so it needs no Slack (and is tested as a table). The rule:
 *
 * 1. An admin may always send, from anywhere.
 * 2. When `channels` is given, a relay may start only in a listed conversation (a direct message
 *    counts as unlisted unless its D… id is listed).
 * 3. When `users` or `userGroups` is given, the sender must be listed in `users` or be a member of
 *    one of `userGroups`; with both empty, everyone passes this part.
 *
 * Both 2 and 3 must hold. All lists empty (the default): everyone may send from anywhere.
 * Revoking is not decided here: the sender and admins may revoke (revoke.ts `mayActOn`).
 */

export interface SendAccessPolicy {
  /** Slack user ids allowed to send. */
  users: readonly string[];
  /** Slack user group ids (S…) whose members may send. */
  userGroups: readonly string[];
  /** Conversation ids relays may start in. */
  channels: readonly string[];
}

export const OPEN_SEND_ACCESS: SendAccessPolicy = { users: [], userGroups: [], channels: [] };

export interface SendAttempt {
  userId: string;
  /** Where the relay starts: the command's or shortcut's conversation, a modal's origin. */
  channelId: string;
}

/** The members of a Slack user group; rejects when Slack cannot say. */
export type GroupMembers = (groupId: string) => Promise<ReadonlySet<string>>;

export type AccessDecision =
  | { allowed: true; because: 'everyone' | 'admin' | 'listed_user' | 'group_member' }
  /**
   * `channel`: the conversation is not listed; `not_listed`: neither listed nor in a listed group;
   * `group_lookup_failed`: not listed, and a group's members could not be read, so it fails closed.
   */
  | { allowed: false; reason: 'channel' | 'not_listed' | 'group_lookup_failed' };

/** True when the policy restricts who may send (as opposed to only where). */
export function restrictsSenders(policy: SendAccessPolicy): boolean {
  return policy.users.length > 0 || policy.userGroups.length > 0;
}

/**
 * Decides one attempt. Looks groups up only when it has to: never for an admin, a listed user, an
 * unlisted channel or an open policy. Without a lookup (`groupMembers` undefined) group
 * membership cannot be shown, so a sender who needs it is refused as if the lookup had failed.
 */
export async function decideSendAccess(
  policy: SendAccessPolicy,
  admins: readonly string[],
  attempt: SendAttempt,
  groupMembers: GroupMembers | undefined,
): Promise<AccessDecision> {
  if (admins.includes(attempt.userId)) return { allowed: true, because: 'admin' };
  if (policy.channels.length > 0 && !policy.channels.includes(attempt.channelId)) {
    return { allowed: false, reason: 'channel' };
  }
  if (!restrictsSenders(policy)) return { allowed: true, because: 'everyone' };
  if (policy.users.includes(attempt.userId)) return { allowed: true, because: 'listed_user' };
  if (policy.userGroups.length === 0) return { allowed: false, reason: 'not_listed' };
  if (!groupMembers) return { allowed: false, reason: 'group_lookup_failed' };

  // Any group that lists the sender is enough, even if another group's lookup failed.
  const lookups = await Promise.allSettled(policy.userGroups.map((group) => groupMembers(group)));
  if (lookups.some((lookup) => lookup.status === 'fulfilled' && lookup.value.has(attempt.userId))) {
    return { allowed: true, because: 'group_member' };
  }
  if (lookups.some((lookup) => lookup.status === 'rejected')) {
    return { allowed: false, reason: 'group_lookup_failed' };
  }
  return { allowed: false, reason: 'not_listed' };
}
