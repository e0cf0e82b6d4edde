/** Every id the bridge mints or derives, in one place. */
import { randomBytes } from 'node:crypto';
import type { RelayIntake, RelayRecord, RelaySource, SlackMessageRef } from './types.js';

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

/**
 * A question asked about an edit or delete (`sync.offer.id`): its buttons carry it, so an old
 * button cannot answer a newer question. `of_` + 16 hex characters.
 */
export function newOfferId(): string {
  return `of_${randomBytes(8).toString('hex')}`;
}

/** `team:channel:ts`, the Slack message key used in logs and support answers. */
export function slackMessageKey(ref: SlackMessageRef): string {
  return `${ref.teamId}:${ref.channelId}:${ref.ts}`;
}

/** The Slack message a `team:channel:ts` key names (as logs and support answers show it). */
export function slackRefOfMessageKey(key: string): SlackMessageRef | undefined {
  const parts = key.split(':');
  if (parts.length !== 3 || !parts.every((part) => part.length > 0)) return undefined;
  const [teamId = '', channelId = '', ts = ''] = parts;
  return { teamId, channelId, ts };
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

/** The source a front door's intake names (what new records carry from their creation). */
export function sourceOfIntake(
  intake: Pick<RelayIntake, 'door' | 'teamId' | 'slack' | 'repeat'>,
): RelaySource {
  return {
    door: intake.door,
    teamId: intake.teamId,
    ...(intake.door === 'message' && intake.slack ? { slack: intake.slack } : {}),
    ...(intake.door === 'message' && intake.repeat ? { repeat: intake.repeat } : {}),
  };
}

/**
 * The source a request key names, for records written before `source` existed: `command:`,
 * `compose:`, `message:` (with `#n` for a repeat) and the `held:<id>:<original>` keys of held
 * relays from before "Acked means kept". Undefined for a key of no known shape.
 */
export function sourceOfRequestKey(requestKey: string): RelaySource | undefined {
  const key = originalOfHeldKey(requestKey) ?? requestKey;
  const message = /^message:([^:]+):([^:]+):([^:#]+)(?:#([0-9]+))?$/.exec(key);
  if (message?.[1] && message[2] && message[3]) {
    const repeat = message[4] === undefined ? undefined : Number(message[4]);
    return {
      door: 'message',
      teamId: message[1],
      slack: { teamId: message[1], channelId: message[2], ts: message[3] },
      ...(repeat !== undefined && repeat > 1 ? { repeat } : {}),
    };
  }
  const other = /^(command|compose):([^:]+):.+$/.exec(key);
  if (other?.[1] === 'command' || other?.[1] === 'compose') {
    return { door: other[1], teamId: other[2] ?? '' };
  }
  return undefined;
}

/**
 * A record's source: the field, or for a record older than the field what its request key names
 * (else its intake). The store migration fills the field the same way.
 */
export function sourceOf(
  record: Pick<RelayRecord, 'source' | 'requestKey' | 'intake'>,
): RelaySource | undefined {
  if (record.source) return record.source;
  return sourceOfRequestKey(record.requestKey) ?? (record.intake ? sourceOfIntake(record.intake) : undefined);
}
