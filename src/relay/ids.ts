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

/** A compose window opened by `/fx-send` alone is identified by its view. */
export function composeRequestKey(teamId: string, viewId: string): string {
  return `compose:${teamId}:${viewId}`;
}

/** A relay of an existing Slack message is identified by that message. */
export function messageRequestKey(ref: SlackMessageRef): string {
  return `message:${slackMessageKey(ref)}`;
}

/**
 * A deliberate second (third, …) relay of the same Slack message. The message itself keys the
 * first relay and is unique in the store, so later ones are keyed by number: the number comes from
 * the relays found when the modal opened, so submitting that modal twice still sends once.
 */
export function repeatRequestKey(ref: SlackMessageRef, n: number): string {
  return `${messageRequestKey(ref)}#${n}`;
}

/** The Slack message a `message:` request key names (repeats name none: they are not keyed by it). */
export function slackRefOfRequestKey(requestKey: string): SlackMessageRef | undefined {
  const match = /^message:([^:]+):([^:]+):([^:#]+)$/.exec(requestKey);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { teamId: match[1], channelId: match[2], ts: match[3] };
}

/**
 * A relay held for the sender's confirmation (some recipients unreachable). Its own id makes the
 * key unique, so a cancelled attempt never blocks a new one; the original key follows, to be used
 * by the relay that goes out once the sender confirms.
 */
export function heldRequestKey(heldId: string, originalKey: string): string {
  return `held:${heldId}:${originalKey}`;
}

export function originalOfHeldKey(requestKey: string): string | undefined {
  const match = /^held:[^:]+:(.+)$/.exec(requestKey);
  return match?.[1];
}
