/**
 * Reads Slack's `message` events into the changes relay/sync.ts acts on. Pure: no Bolt, no I/O.
 *
 * Shapes (Events API): an edit is `subtype: message_changed` with the new `message` (its `user`,
 * `edited: { user, ts }`, `bot_id` on bot messages) and `previous_message`; a delete is
 * `subtype: message_deleted` with `deleted_ts`; a deleted thread parent that still has replies
 * arrives as `message_changed` whose new message is `subtype: tombstone`. An edit's time is the
 * message's `edited.ts` (whole seconds) and the event's own `event_ts` (finer): they order edits.
 */
import type { MessageChange } from '../../relay/sync.js';
import { messageToPlainText, type SlackMessageLike } from '../text/message-text.js';

interface SlackMessageEvent {
  type?: unknown;
  subtype?: unknown;
  channel?: unknown;
  ts?: unknown;
  event_ts?: unknown;
  deleted_ts?: unknown;
  message?: EventMessage;
  previous_message?: EventMessage;
}

type EventMessage = SlackMessageLike & {
  ts?: unknown;
  user?: unknown;
  bot_id?: unknown;
  subtype?: unknown;
  edited?: { user?: unknown; ts?: unknown };
};

export type UserName = (userId: string) => string | undefined;

/** The change an event callback body describes, or undefined when it is not an edit or delete. */
export function messageChangeOf(
  body: Record<string, unknown>,
  name: UserName = () => undefined,
): MessageChange | undefined {
  if (body.type !== 'event_callback') return undefined;
  const event = body.event as SlackMessageEvent | undefined;
  if (event?.type !== 'message' || typeof event.channel !== 'string') return undefined;
  const eventId = typeof body.event_id === 'string' ? body.event_id : undefined;
  const teamId = teamOf(body, event);
  if (!eventId || !teamId) return undefined;
  const channelId = event.channel;
  if (event.subtype === 'message_deleted') {
    const ts = text(event.deleted_ts) ?? text(event.previous_message?.ts);
    return ts ? { kind: 'delete', eventId, ref: { teamId, channelId, ts } } : undefined;
  }
  if (event.subtype !== 'message_changed' || !event.message) return undefined;
  const message = event.message;
  const ts = text(message.ts);
  if (!ts) return undefined;
  const ref = { teamId, channelId, ts };
  if (message.subtype === 'tombstone') return { kind: 'delete', eventId, ref };
  const names = { user: name };
  const editedTs = text(message.edited?.ts);
  const eventTs = text(event.event_ts) ?? text(event.ts);
  return {
    kind: 'edit',
    eventId,
    ref,
    authorId: text(message.user),
    editorId: text(message.edited?.user),
    fromBot: message.bot_id !== undefined || message.subtype === 'bot_message',
    text: messageToPlainText(message, names),
    previousText: event.previous_message ? messageToPlainText(event.previous_message, names) : undefined,
    ...(editedTs || eventTs
      ? { edit: { ...(editedTs ? { editedTs } : {}), ...(eventTs ? { eventTs } : {}) } }
      : {}),
  };
}

function teamOf(body: Record<string, unknown>, event: SlackMessageEvent): string | undefined {
  const team = text(body.team_id) ?? text((event.message as { team?: unknown } | undefined)?.team);
  if (team) return team;
  const authorizations = body.authorizations as Array<{ team_id?: unknown }> | undefined;
  return text(authorizations?.[0]?.team_id);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
