/**
 * The Events API deliveries of the sender's own edits and deletes, as Slack sends them
 * (`message_changed` with the new text and `edited.ts`, `message_deleted`), for the driver.
 */

import { randomBytes } from 'node:crypto';
import { CHANNEL_ID, SENDER_ID, TEAM_ID, VERIFICATION_TOKEN } from '../../dev/fakes/slack-requests.js';

/** A Slack message the sender relayed with Send to Fxiaoke, as Slack shows it now. */
export interface SlackMessage {
  ts: string;
  text: string;
  edits: number;
  deleted: boolean;
}

export function eventBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: TEAM_ID,
    api_app_id: 'A0TEST',
    event,
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  });
}

function nowTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

/** The sender edited the message; `edited.ts` grows with each edit, as Slack's does. */
export function messageChanged(message: SlackMessage, previous: string): Record<string, unknown> {
  const ts = nowTs();
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: CHANNEL_ID,
    channel_type: 'channel',
    ts,
    event_ts: ts,
    message: {
      type: 'message',
      user: SENDER_ID,
      text: message.text,
      ts: message.ts,
      team: TEAM_ID,
      edited: { user: SENDER_ID, ts: `${Number(message.ts.split('.')[0]) + message.edits}.000000` },
    },
    previous_message: { type: 'message', user: SENDER_ID, text: previous, ts: message.ts, team: TEAM_ID },
  };
}

export function messageDeleted(message: SlackMessage): Record<string, unknown> {
  const ts = nowTs();
  return {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel: CHANNEL_ID,
    channel_type: 'channel',
    deleted_ts: message.ts,
    ts,
    event_ts: ts,
    previous_message: { type: 'message', user: SENDER_ID, text: message.text, ts: message.ts, team: TEAM_ID },
  };
}
