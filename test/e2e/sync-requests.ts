/**
 * Edits and deletes as Slack delivers them: `message` event callbacks (message_changed,
 * message_deleted, a tombstone), signed, over HTTP; plus a relay made with Send to Fxiaoke.
 */
import { randomBytes } from 'node:crypto';
import { expect, vi } from 'vitest';
import {
  API_APP_ID,
  BOT_USER_ID,
  blockActionPayload,
  CHANNEL_ID,
  postSigned,
  SENDER_ID,
  sendInteraction,
  TEAM_ID,
  TEST_SIGNING_SECRET,
  VERIFICATION_TOKEN,
} from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import type { Harness } from './harness.js';
import { shortcutModal, submitModal } from './people-requests.js';

export const ORIGINAL_TS = '1700000500.000100';

export function eventId(): string {
  return `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
}

/** The event callback envelope around a `message` event. */
export function eventCallback(event: Record<string, unknown>, id = eventId()): Record<string, unknown> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: TEAM_ID,
    api_app_id: API_APP_ID,
    event,
    type: 'event_callback',
    event_id: id,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
  };
}

export interface EditOptions {
  ts?: string;
  text: string;
  previousText: string;
  /** Author of the message; default the sender. */
  userId?: string;
  /** Who edited it; default the author. */
  editorId?: string;
  botId?: string;
  /** When the edit was made (its event's `event_ts`); default: now, later than every edit before. */
  at?: EditTime;
}

/** When an edit was made, as Slack says it: `edited.ts` (whole seconds) and the event's `event_ts`. */
export interface EditTime {
  editedTs: string;
  eventTs: string;
}

let lastEditMicros = 0;

/** The time of an edit made now: each call later than the one before, as Slack's clock gives them. */
export function editTime(): EditTime {
  lastEditMicros = Math.max(lastEditMicros + 1, Date.now() * 1000);
  const seconds = Math.floor(lastEditMicros / 1_000_000);
  const micros = String(lastEditMicros % 1_000_000).padStart(6, '0');
  return { editedTs: `${seconds}.000000`, eventTs: `${seconds}.${micros}` };
}

export function messageChanged(options: EditOptions): Record<string, unknown> {
  const ts = options.ts ?? ORIGINAL_TS;
  const user = options.userId ?? SENDER_ID;
  const bot = options.botId ? { bot_id: options.botId } : {};
  const at = options.at ?? editTime();
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: CHANNEL_ID,
    channel_type: 'channel',
    ts: at.eventTs,
    event_ts: at.eventTs,
    message: {
      type: 'message',
      user,
      text: options.text,
      ts,
      team: TEAM_ID,
      ...bot,
      edited: { user: options.editorId ?? user, ts: at.editedTs },
    },
    previous_message: { type: 'message', user, text: options.previousText, ts, team: TEAM_ID, ...bot },
  };
}

export function messageDeleted(ts = ORIGINAL_TS, text = 'hello'): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel: CHANNEL_ID,
    channel_type: 'channel',
    deleted_ts: ts,
    ts: `${Math.floor(Date.now() / 1000)}.000300`,
    event_ts: `${Math.floor(Date.now() / 1000)}.000300`,
    previous_message: { type: 'message', user: SENDER_ID, text, ts, team: TEAM_ID },
  };
}

/** A thread parent deleted while it has replies: Slack keeps a tombstone in its place. */
export function tombstoned(ts = ORIGINAL_TS, text = 'hello'): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: CHANNEL_ID,
    ts: `${Math.floor(Date.now() / 1000)}.000400`,
    message: {
      type: 'message',
      subtype: 'tombstone',
      hidden: true,
      user: 'USLACKBOT',
      text: 'This message was deleted.',
      ts,
      thread_ts: ts,
      reply_count: 1,
    },
    previous_message: { type: 'message', user: SENDER_ID, text, ts, thread_ts: ts, reply_count: 1 },
  };
}

export function postEvent(h: Harness, body: Record<string, unknown>, retryNum?: number) {
  return postSigned(h.eventsUrl, JSON.stringify(body), {
    signingSecret: TEST_SIGNING_SECRET,
    contentType: 'application/json',
    ...(retryNum !== undefined
      ? { headers: { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } }
      : {}),
  });
}

/** Relays a message with Send to Fxiaoke (the sender wrote it) and waits until it is sent. */
export async function relayMessage(
  h: Harness,
  text: string,
  options: { ts?: string; recipients?: string[] } = {},
): Promise<RelayRecord> {
  const ts = options.ts ?? ORIGINAL_TS;
  const view = await shortcutModal(h, { ts, text, user: SENDER_ID });
  const recipients = options.recipients ?? [h.emulator.options.users[0]!.openUserId];
  const submitted = await submitModal(h, view, { recipients, text });
  expect(submitted.status).toBe(200);
  return relayWhen(h, ts, (record) => record.status === 'sent');
}

/** The relay keyed by the message `ts`, once `ready` holds for it (polls the store). */
export async function relayWhen(
  h: Harness,
  ts: string,
  ready: (record: RelayRecord) => boolean,
  timeoutMs = 8000,
): Promise<RelayRecord> {
  const ref = { teamId: TEAM_ID, channelId: CHANNEL_ID, ts };
  return vi.waitFor(
    async () => {
      const last = await h.bridge.store.findBySlackMessage(ref);
      if (last && ready(last)) return last;
      throw new Error(`relay of ${ts} never got ready: ${JSON.stringify(last)}`);
    },
    { timeout: timeoutMs, interval: 10 },
  );
}

/** DMs from the app to the sender (chat.postMessage with the user id as channel). */
export function dmsTo(h: Harness, userId = SENDER_ID) {
  return h.slack.callsTo('chat.postMessage').filter((call) => call.body.channel === userId);
}

export function buttonsOf(
  blocks: unknown,
): Array<{ action_id: string; value: string; text: { text: string } }> {
  const list = typeof blocks === 'string' ? (JSON.parse(blocks) as unknown[]) : (blocks as unknown[]);
  return (list ?? [])
    .filter((entry) => (entry as { type?: string }).type === 'actions')
    .flatMap(
      (entry) =>
        (entry as { elements: Array<{ action_id: string; value: string; text: { text: string } }> }).elements,
    );
}

/** Clicks a button of a DM (a bot message, with a response_url). */
export async function clickDmButton(h: Harness, actionId: string, value: string, userId = SENDER_ID) {
  const responseUrl = h.slack.responseUrl();
  const response = await sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    blockActionPayload({
      actionId,
      value,
      userId,
      channelId: `D${userId.slice(1)}`,
      messageTs: '1700000999.000300',
      responseUrl,
    }),
  );
  expect(response.status).toBe(200);
  return responseUrl;
}

/** Fxiaoke message calls (send and revoke), in the order the emulator saw them. */
export function messageCalls(h: Harness) {
  return h.emulator.requests
    .filter((request) => request.path.includes('/message/'))
    .map((request) => ({ path: request.path, body: request.body as Record<string, unknown> }));
}
