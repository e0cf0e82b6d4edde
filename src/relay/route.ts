/**
 * Channel routes (config `routes`): a channel's messages relayed to Fxiaoke without anyone asking
 * each time — every new top-level message a person posts there (`forward: all`), or a message
 * someone adds the route's emoji to (`forward: reaction`).
 *
 * A routed relay is keyed by its Slack message, like Send to Fxiaoke: one message is relayed once
 * however often Slack delivers its event or however many people react, and Revoke, `sync.edits`
 * and `sync.deletes` work on it. Its sender is the message's author; who answers for it (access,
 * send limit, the failure told privately) is the author for `all` and the person who reacted for
 * `reaction`. The front door records it before the ack (`recordRequest`: no deadline, a failed
 * write withholds the ack); carrying it out is a send like any other (carry-out.ts), once
 * `prepareRouted` has filled in what an event cannot say before the ack: the author's and the
 * channel's names, the names of the people mentioned, and for a reaction the message itself.
 */

import { pendingAttachments } from './attachments.js';
import type { RelayDeps } from './deps.js';
import { messageRequestKey } from './ids.js';
import { type IntakeOutcome, recordRequest, textProblem } from './intake.js';
import { persistently } from './persistently.js';
import type { AttachmentRef } from './ports/files.js';
import type { RelayRecord, RelayRoute, RouteSettings, SlackMessageRef } from './types.js';

export type { ChatMessage, ChatMessages } from './chat-messages.js';
export type { RouteSettings } from './types.js';

/** A new message a person posted at the top level of a `forward: all` channel, read from its event. */
export interface RoutedMessage {
  ref: SlackMessageRef;
  authorId: string;
  /** Plain text; the file names when there is none. */
  text: string;
  attachments: AttachmentRef[];
  /** The author's name when it was at hand before the ack (else looked up when carried out). */
  authorName?: string;
  /** Mentioned users whose names were not at hand: `@U…` in `text` until carried out. */
  unnamed: string[];
}

/** Someone added an emoji to a message of a `forward: reaction` channel. */
export interface RoutedReaction {
  ref: SlackMessageRef;
  reactorId: string;
  /** The message's author, as the event says (`item_user`). */
  authorId: string;
  /** The emoji, without skin tone. */
  reaction: string;
}

export type RoutedIntake =
  | Exclude<IntakeOutcome, { type: 'unavailable' }>
  /** Nothing to relay: no route, another emoji, the bridge's own reaction. `reason` is for the log. */
  | { type: 'ignored'; reason: string };

/** The route of a channel, if it has one (own keys only: a channel id is never `constructor`). */
export function routeOf(deps: Pick<RelayDeps, 'settings'>, channelId: string): RouteSettings | undefined {
  const routes = deps.settings.routes;
  return routes && Object.hasOwn(routes, channelId) ? routes[channelId] : undefined;
}

/** Who answers for a relay: whoever reacted for a reaction route, else its sender. */
export function responsibleFor(record: Pick<RelayRecord, 'senderId' | 'intake'>): string {
  return record.intake?.route?.reactorId ?? record.senderId;
}

/** Whether `actorId` may revoke a routed relay besides its sender and the admins: who reacted. */
export function routedActor(record: Pick<RelayRecord, 'intake'>, actorId: string): boolean {
  return record.intake?.route?.reactorId === actorId;
}

/**
 * Records a new message of a `forward: all` channel (status `received`), before Slack hears the ack.
 * A second delivery of the same message finds the first record. Throws when the store fails.
 */
export async function receiveRoutedMessage(deps: RelayDeps, message: RoutedMessage): Promise<RoutedIntake> {
  const route = routeOf(deps, message.ref.channelId);
  if (route?.forward !== 'all') return { type: 'ignored', reason: 'the channel has no forward: all route' };
  return recordRequest(deps, {
    requestKey: messageRequestKey(message.ref),
    senderId: message.authorId,
    originChannelId: message.ref.channelId,
    recipientsInput: route.to,
    text: message.text,
    ...(message.attachments.length > 0 ? { attachments: message.attachments } : {}),
    intake: {
      door: 'message',
      teamId: message.ref.teamId,
      senderName: message.authorName ?? '',
      slack: message.ref,
      route: { forward: 'all', ...(message.unnamed.length > 0 ? { unnamed: message.unnamed } : {}) },
    },
  });
}

/**
 * Records a reaction that relays a message of a `forward: reaction` channel, before the ack. The
 * message's text is read when the relay is carried out. However many people react, the message is
 * relayed once; only a relay refused to the person who reacted (access, send limit) is taken over
 * by the next person who reacts.
 */
export async function receiveRoutedReaction(
  deps: RelayDeps,
  reaction: RoutedReaction,
): Promise<RoutedIntake> {
  const route = routeOf(deps, reaction.ref.channelId);
  if (route?.forward !== 'reaction')
    return { type: 'ignored', reason: 'the channel has no forward: reaction route' };
  if (reaction.reaction !== route.reaction)
    return { type: 'ignored', reason: `another emoji (${reaction.reaction})` };
  const taken = await recordRequest(
    deps,
    {
      requestKey: messageRequestKey(reaction.ref),
      senderId: reaction.authorId,
      originChannelId: reaction.ref.channelId,
      recipientsInput: route.to,
      // A placeholder until the message is read (carrying out replaces it); never sent.
      text: '(the message is read from Slack when it is relayed)',
      intake: {
        door: 'message',
        teamId: reaction.ref.teamId,
        senderName: '',
        slack: reaction.ref,
        route: { forward: 'reaction', reactorId: reaction.reactorId, unread: true },
      },
    },
    (existing) =>
      existing.status === 'failed' &&
      // carry-out.ts REFUSED: the person who reacted was not allowed, or over the send limit.
      existing.error?.kind === 'refused' &&
      existing.intake?.route?.reactorId !== undefined &&
      existing.intake.route.reactorId !== reaction.reactorId,
  );
  return taken;
}

/** Why a routed relay was not sent before anything was looked up (closed `failed` with it). */
export interface RouteProblem {
  kind: 'unreadable' | 'bot_message' | 'invalid_text';
  message: string;
}

/**
 * Fills in a routed relay what its event could not say before the ack, and writes it to the
 * record: the author's and the channel's names, the names of the people mentioned, and for a
 * reaction the message itself. Anything else is returned as it is.
 */
export async function prepareRouted(
  deps: Pick<
    RelayDeps,
    'store' | 'settings' | 'messages' | 'profiles' | 'log' | 'writesAbandoned' | 'instanceId'
  >,
  record: RelayRecord,
): Promise<{ record: RelayRecord } | { problem: RouteProblem }> {
  const intake = record.intake;
  const route = intake?.route;
  if (!intake || !route || !needsPreparing(intake.senderName, intake.channelName, route)) return { record };
  let text = record.text;
  let attachments = record.attachments;
  let threadReply = intake.threadReply;
  if (route.unread) {
    const ref = intake.slack;
    const message = ref && deps.messages ? await deps.messages.read(ref) : undefined;
    if (!message) {
      return {
        problem: {
          kind: 'unreadable',
          message: 'Not relayed: fx-bridge could not read the message in Slack (it may have been deleted).',
        },
      };
    }
    if (message.fromBot) {
      return {
        problem: {
          kind: 'bot_message',
          message: 'Not relayed: it is a bot’s message; fx-bridge relays people’s messages.',
        },
      };
    }
    const problem = textProblem(deps, message.text);
    if (problem) return { problem: { kind: 'invalid_text', message: `Not relayed: ${problem}` } };
    text = message.text.trim();
    attachments = pendingAttachments(message.attachments);
    threadReply = message.threadReply || undefined;
  }
  const senderName = intake.senderName || (await nameOf(deps, record.senderId)) || record.senderId;
  const channelName =
    intake.channelName ??
    (await deps.messages?.channelName(record.originChannelId).catch(() => undefined)) ??
    record.originChannelId;
  for (const userId of route.unnamed ?? []) {
    const name = await nameOf(deps, userId);
    if (name) text = text.replace(new RegExp(`@${userId}\\b`, 'g'), `@${name}`);
  }
  const { unread: _read, unnamed: _named, ...settled } = route;
  const prepared: RelayRoute = settled;
  const updated = await persistently(deps, { relayId: record.id, preparing: true }, () =>
    deps.store.update(
      record.id,
      {
        text,
        attachments,
        intake: {
          ...intake,
          senderName,
          channelName,
          route: prepared,
          ...(threadReply ? { threadReply } : {}),
        },
      },
      (current) => current.status === 'received' && current.lease?.owner === deps.instanceId,
    ),
  );
  return { record: updated };
}

function needsPreparing(senderName: string, channelName: string | undefined, route: RelayRoute): boolean {
  return (
    senderName === '' ||
    channelName === undefined ||
    route.unread === true ||
    (route.unnamed?.length ?? 0) > 0
  );
}

async function nameOf(deps: Pick<RelayDeps, 'profiles'>, userId: string): Promise<string | undefined> {
  const profile = await deps.profiles?.get(userId).catch(() => undefined);
  return profile?.name || undefined;
}
