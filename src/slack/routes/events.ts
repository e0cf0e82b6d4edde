/**
 * Reads Slack's Events API deliveries into what a channel route acts on (relay/route.ts). Pure: no
 * Bolt, no I/O, so the door can call it inside the ack.
 *
 * `forward: all` takes a `message` event that a person posted at the top level: no subtype, or
 * `file_share` (a message with files), or `thread_broadcast` (a reply also sent to the channel).
 * Never a bot's (`bot_id`, `bot_message`, or the bot's own user), never an edit, a delete, a join
 * or any other subtype, never a thread reply. `forward: reaction` takes `reaction_added` on a message.
 */
import type { RoutedMessage, RoutedReaction } from '../../relay/route.js';
import { messageFiles } from '../api/files.js';
import { mentionedUserIds, messageToPlainText, type SlackMessageLike } from '../text/message-text.js';

/** Subtypes of a new message a person posted; every other subtype is something else happening. */
const RELAYED_SUBTYPES: ReadonlySet<string | undefined> = new Set([
  undefined,
  'file_share',
  'thread_broadcast',
]);

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export type UserName = (userId: string) => string | undefined;

/** What a routed `message` event says, or why it is not one to relay (`skipped`, for the debug log). */
export type MessageReading = { message: RoutedMessage } | { skipped: string } | undefined;

/**
 * A new top-level message a person posted, read from its event callback; undefined for anything
 * that is not a `message` event at all. `name` gives the display names at hand (a cache).
 */
export function routedMessageOf(body: Json, name: UserName = () => undefined): MessageReading {
  if (body.type !== 'event_callback') return undefined;
  const event = obj(body.event);
  if (event?.type !== 'message') return undefined;
  const channelId = text(event.channel);
  const ts = text(event.ts);
  const teamId = teamOf(body, event);
  if (!channelId || !ts || !teamId) return { skipped: 'no channel, ts or team' };
  const subtype = text(event.subtype);
  if (!RELAYED_SUBTYPES.has(subtype)) return { skipped: `subtype ${subtype}` };
  const authorId = text(event.user);
  if (event.bot_id !== undefined || !authorId || botUsers(body).has(authorId)) return { skipped: 'a bot' };
  const threadTs = text(event.thread_ts);
  if (threadTs && threadTs !== ts && subtype !== 'thread_broadcast') return { skipped: 'a thread reply' };

  const message = event as SlackMessageLike & Json;
  const unnamed = mentionedUserIds(message).filter((id) => !name(id));
  let plain = messageToPlainText(message, { user: name }).trim();
  const attachments = messageFiles({ files: event.files });
  // A message of files alone is relayed with their names as its text (as Send to Fxiaoke does).
  if (!plain && attachments.length > 0) plain = attachments.map((file) => file.name).join('\n');
  const authorName = name(authorId);
  return {
    message: {
      ref: { teamId, channelId, ts },
      authorId,
      text: plain,
      attachments,
      unnamed,
      ...(authorName ? { authorName } : {}),
    },
  };
}

/** A `reaction_added` on a message, or undefined for anything else. */
export function routedReactionOf(body: Json): RoutedReaction | undefined {
  if (body.type !== 'event_callback') return undefined;
  const event = obj(body.event);
  if (event?.type !== 'reaction_added') return undefined;
  const item = obj(event.item);
  const channelId = text(item?.channel);
  const ts = text(item?.ts);
  const reactorId = text(event.user);
  const authorId = text(event.item_user);
  const reaction = text(event.reaction)?.split('::')[0];
  const teamId = teamOf(body, event);
  if (item?.type !== 'message' || !channelId || !ts || !reactorId || !authorId || !reaction || !teamId)
    return undefined;
  // The bridge's own reactions (its success mark) relay nothing.
  if (botUsers(body).has(reactorId)) return undefined;
  return { ref: { teamId, channelId, ts }, reactorId, authorId, reaction };
}

/** The bot users this delivery is for (`authorizations`): the bridge never relays its own posts. */
function botUsers(body: Json): Set<string> {
  const found = new Set<string>();
  const authorizations = Array.isArray(body.authorizations) ? body.authorizations : [];
  for (const entry of authorizations) {
    const authorization = obj(entry);
    const user = text(authorization?.user_id);
    if (user && authorization?.is_bot === true) found.add(user);
  }
  return found;
}

function teamOf(body: Json, event: Json): string | undefined {
  const team = text(body.team_id) ?? text(event.team);
  if (team) return team;
  const authorizations = Array.isArray(body.authorizations) ? body.authorizations : [];
  return text(obj(authorizations[0])?.team_id);
}
