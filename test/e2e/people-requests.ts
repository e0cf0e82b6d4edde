/**
 * Signed requests for the people features, on top of the shared harness: the recipients typeahead
 * (block_suggestion), App Home events, modal submissions with the new inputs, and button clicks
 * on ephemeral messages and on the Home tab.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import {
  API_APP_ID,
  blockActionPayload,
  CHANNEL_ID,
  messageShortcutPayload,
  postSigned,
  SENDER_ID,
  sendInteraction,
  TEAM_DOMAIN,
  TEAM_ID,
  TEST_SIGNING_SECRET,
  VERIFICATION_TOKEN,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import type { Harness } from './harness.js';

export interface Option {
  text: { text: string };
  value: string;
}

export interface ViewBlock {
  type: string;
  block_id?: string;
  text?: { text: string };
  accessory?: { action_id?: string; value?: string };
  elements?: Array<{ text?: string }>;
  element?: { type?: string; action_id?: string; initial_value?: string; initial_options?: Option[] };
}

export interface SlackView {
  id?: string;
  type?: string;
  callback_id?: string;
  private_metadata?: string;
  submit?: { text: string };
  blocks: ViewBlock[];
}

export function block(view: SlackView, blockId: string): ViewBlock | undefined {
  return view.blocks.find((candidate) => candidate.block_id === blockId);
}

/** Every bit of text a view shows, to assert on what the user reads. */
export function viewText(view: SlackView): string {
  return JSON.stringify(view.blocks);
}

export async function typeahead(h: Harness, query: string, userId = SENDER_ID): Promise<Option[]> {
  const response = await sendInteraction(h.eventsUrl, TEST_SIGNING_SECRET, {
    type: 'block_suggestion',
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID },
    container: { type: 'view', view_id: 'V0TYPEAHEAD' },
    api_app_id: API_APP_ID,
    token: VERIFICATION_TOKEN,
    action_id: 'recipients',
    block_id: 'recipients',
    value: query,
    team: { id: TEAM_ID, domain: TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: 'V0TYPEAHEAD',
      type: 'modal',
      callback_id: 'fx_send_modal',
      private_metadata: '',
      blocks: [],
    },
  });
  expect(response.status).toBe(200);
  expect(response.elapsedMs).toBeLessThan(3000);
  return (response.json as { options: Option[] }).options;
}

/** The Events API delivery of app_home_opened, JSON and signed as Slack sends it. */
export async function openHome(h: Harness, userId: string, tab: 'home' | 'messages' = 'home') {
  const body = JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: TEAM_ID,
    api_app_id: API_APP_ID,
    event: {
      type: 'app_home_opened',
      user: userId,
      channel: `D${userId.slice(1)}`,
      tab,
      event_ts: '1700000000.000001',
    },
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  });
  return postSigned(h.eventsUrl, body, {
    signingSecret: TEST_SIGNING_SECRET,
    contentType: 'application/json',
  });
}

/** The last Home view published for this user. */
export function publishedHome(h: Harness, userId: string): SlackView | undefined {
  const calls = h.slack.callsTo('views.publish').filter((call) => call.body.user_id === userId);
  return calls.at(-1)?.body.view as SlackView | undefined;
}

/**
 * Uses the shortcut on a message; returns the modal the user ends up with (the one views.open
 * showed, or the one that replaced the "Preparing…" view).
 */
export async function shortcutModal(
  h: Harness,
  message: Record<string, unknown> & { ts: string },
  options: { userId?: string; channelId?: string } = {},
): Promise<SlackView> {
  const before = h.slack.callsTo('views.open').length;
  const response = await sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    messageShortcutPayload({
      callbackId: 'fx_send_message',
      userId: options.userId,
      channelId: options.channelId,
      message: { user: 'U0AUTHOR', ...message },
      responseUrl: h.slack.responseUrl(),
    }),
  );
  expect(response.status).toBe(200);
  const opened = await h.slack.waitFor(() => h.slack.callsTo('views.open')[before]);
  const view = opened.body.view as SlackView;
  if (view.callback_id === 'fx_send_modal') return view;
  const updated = await h.slack.waitFor(() => h.slack.callsTo('views.update').at(-1));
  return updated.body.view as SlackView;
}

export interface Submission {
  recipients?: string[];
  slackUsers?: string[];
  text: string;
  resend?: boolean;
  userId?: string;
  viewId?: string;
}

export function submitModal(h: Harness, view: SlackView, submission: Submission) {
  const selected = (submission.recipients ?? []).map((value) => ({
    text: { type: 'plain_text', text: value },
    value,
  }));
  const values: Record<string, Record<string, unknown>> = {
    recipients: { recipients: { type: 'multi_external_select', selected_options: selected } },
    slack_users: { slack_users: { type: 'multi_users_select', selected_users: submission.slackUsers ?? [] } },
    message: { message: { type: 'plain_text_input', value: submission.text } },
  };
  if (submission.resend !== undefined) {
    const ticked = submission.resend
      ? [{ text: { type: 'plain_text', text: 'Yes' }, value: 'send_again' }]
      : [];
    values.resend = { resend: { type: 'checkboxes', selected_options: ticked } };
  }
  return sendInteraction(
    h.eventsUrl,
    TEST_SIGNING_SECRET,
    viewSubmissionPayload({
      callbackId: view.callback_id ?? '',
      privateMetadata: view.private_metadata,
      userId: submission.userId,
      viewId: submission.viewId,
      values,
    }),
  );
}

/** A click on a button of an ephemeral message (it has a response_url, Slack sends no message). */
export async function clickEphemeral(h: Harness, actionId: string, value: string, userId = SENDER_ID) {
  const responseUrl = h.slack.responseUrl();
  const payload = blockActionPayload({
    actionId,
    value,
    userId,
    messageTs: '1700000999.000100',
    responseUrl,
  });
  payload.container = {
    type: 'message',
    message_ts: '1700000999.000100',
    channel_id: CHANNEL_ID,
    is_ephemeral: true,
  };
  delete payload.message;
  const response = await sendInteraction(h.eventsUrl, TEST_SIGNING_SECRET, payload);
  expect(response.status).toBe(200);
  return { responseUrl };
}

/** A click on a button in the App Home tab: no response_url, no channel. */
export async function clickInHome(h: Harness, actionId: string, value: string, userId = SENDER_ID) {
  const payload = blockActionPayload({ actionId, value, userId, messageTs: '0', responseUrl: '' });
  delete payload.response_url;
  delete payload.message;
  delete payload.channel;
  payload.container = { type: 'view', view_id: 'V0HOME' };
  payload.view = {
    id: 'V0HOME',
    type: 'home',
    blocks: [],
    private_metadata: '',
    callback_id: '',
    state: { values: {} },
  };
  const response = await sendInteraction(h.eventsUrl, TEST_SIGNING_SECRET, payload);
  expect(response.status).toBe(200);
}

/** The block of buttons in a message posted ephemerally or to a response_url. */
export function buttons(
  blocks: unknown,
): Array<{ action_id: string; value: string; text: { text: string } }> {
  const list = Array.isArray(blocks) ? (blocks as Array<{ type?: string; elements?: unknown[] }>) : [];
  return list
    .filter((entry) => entry.type === 'actions')
    .flatMap(
      (entry) =>
        (entry.elements ?? []) as Array<{ action_id: string; value: string; text: { text: string } }>,
    );
}
