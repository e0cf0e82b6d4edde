/** Every id the bridge mints or derives, in one place. */
import { randomBytes } from 'node:crypto';
import type { SlackMessageRef } from './types.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `rl_` + 10 chars of time + 12 random chars: sortable by creation, unguessable, short enough to read out. */
export function newRelayId(now: number = Date.now()): string {
  let time = '';
  let remaining = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  const random = [...randomBytes(12)].map((byte) => CROCKFORD[byte % 32]).join('');
  return `rl_${time}${random}`;
}

/** `team:channel:ts`, the Slack message key used in logs and support answers. */
export function slackMessageKey(ref: SlackMessageRef): string {
  return `${ref.teamId}:${ref.channelId}:${ref.ts}`;
}

/** A slash command is identified by its trigger_id, unique per invocation. */
export function commandRequestKey(teamId: string, triggerId: string): string {
  return `command:${teamId}:${triggerId}`;
}

/** A relay of an existing Slack message is identified by that message. */
export function messageRequestKey(ref: SlackMessageRef): string {
  return `message:${slackMessageKey(ref)}`;
}
