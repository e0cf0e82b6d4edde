/**
 * A routed channel as Slack delivers it: `message` events of new messages and `reaction_added`
 * events, signed, through the real Bolt app; each message also kept by the fake Slack Web API so
 * `conversations.history` finds it.
 */
import { TEAM_ID } from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import type { Harness } from './harness.js';
import { eventCallback, postEvent } from './sync-requests.js';

export const SALES = 'C0SALES';
export const DEALS = 'C0DEALS';
export const AUTHOR = 'U0AUTHOR';
export const REACTOR = 'U0REACTOR';

let counter = 0;
/** A fresh message ts, increasing. */
export function freshTs(): string {
  counter += 1;
  return `${1_700_100_000 + counter}.000100`;
}

export interface PostedMessage {
  channel?: string;
  user?: string;
  text: string;
  ts?: string;
  subtype?: string;
  thread_ts?: string;
  bot_id?: string;
  files?: unknown[];
}

/** The `message` event of a message posted in a channel (kept by the fake Slack too). */
export function messageEvent(
  h: Harness,
  message: PostedMessage,
): { event: Record<string, unknown>; ts: string } {
  const ts = message.ts ?? freshTs();
  const channel = message.channel ?? SALES;
  const user = message.user ?? AUTHOR;
  const fields = {
    ...(message.subtype ? { subtype: message.subtype } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    ...(message.bot_id ? { bot_id: message.bot_id } : {}),
    ...(message.files ? { files: message.files } : {}),
  };
  h.slack.addChannelMessage({ channel, user, text: message.text, ts, ...fields });
  return {
    ts,
    event: {
      type: 'message',
      channel,
      user,
      text: message.text,
      ts,
      event_ts: ts,
      channel_type: 'channel',
      team: TEAM_ID,
      ...fields,
    },
  };
}

/** Posts a new message to a routed channel as Slack delivers it; returns its ts and the HTTP answer. */
export async function postMessage(
  h: Harness,
  message: PostedMessage,
  options: { eventId?: string; retryNum?: number } = {},
) {
  const { event, ts } = messageEvent(h, message);
  const body = eventCallback(event, options.eventId);
  const response = await postEvent(h, body, options.retryNum);
  return { ts, response, body };
}

/** `reaction_added` on a message, as Slack delivers it. */
export async function react(
  h: Harness,
  options: {
    ts: string;
    channel?: string;
    user?: string;
    author?: string;
    reaction?: string;
    eventId?: string;
  },
) {
  const channel = options.channel ?? DEALS;
  const event = {
    type: 'reaction_added',
    user: options.user ?? REACTOR,
    reaction: options.reaction ?? 'outbox_tray',
    item_user: options.author ?? AUTHOR,
    item: { type: 'message', channel, ts: options.ts },
    event_ts: freshTs(),
  };
  return postEvent(h, eventCallback(event, options.eventId));
}

/** The relay keyed by a message of `channel`, once `ready` holds (polls the store). */
export async function routedRelay(
  h: Harness,
  channel: string,
  ts: string,
  ready: (record: RelayRecord) => boolean = (record) => record.status === 'sent',
  timeoutMs = 10_000,
): Promise<RelayRecord> {
  const deadline = Date.now() + timeoutMs;
  let last: RelayRecord | undefined;
  for (;;) {
    last = await h.bridge.store.findBySlackMessage({ teamId: TEAM_ID, channelId: channel, ts });
    if (last && ready(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`routed relay of ${channel}/${ts} never got ready: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every relay recorded for a request key (there must never be two for one message). */
export async function relaysFor(h: Harness, channel: string, ts: string): Promise<RelayRecord[]> {
  const all = await h.bridge.store.listRecent(1000);
  return all.filter((record) => record.requestKey === `message:${TEAM_ID}:${channel}:${ts}`);
}
