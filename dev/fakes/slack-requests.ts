/**
 * Builders for Slack's inbound HTTP requests (slash commands and interactivity payloads), signed for
 * real with the signing secret, so tests drive a Bolt app exactly as Slack would.
 *
 * Shapes follow Slack's documented payloads; every id defaults to a deterministic constant below.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const TEAM_ID = 'T0TEST';
export const TEAM_DOMAIN = 'fx-test';
export const CHANNEL_ID = 'C0TEST';
export const CHANNEL_NAME = 'general';
export const SENDER_ID = 'U0SENDER';
export const SENDER_NAME = 'sender';
export const API_APP_ID = 'A0TEST';
export const BOT_ID = 'B0BOT';
export const BOT_USER_ID = 'U0BOT';
export const COMMAND = '/fx-send';
/** The legacy verification token Slack still puts in payloads; Bolt ignores it. */
export const VERIFICATION_TOKEN = 'verification-token-test';
/** A signing secret for tests that do not care which one they use. */
export const TEST_SIGNING_SECRET = 'test-signing-secret-00000000000000';

let triggerCounter = 0;

/** A fresh, unique trigger_id in Slack's format (`<digits>.<digits>.<hex>`). */
export function freshTriggerId(): string {
  triggerCounter += 1;
  return `${1_000_000_000 + triggerCounter}.${Date.now()}.${randomBytes(16).toString('hex')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** An `action_ts` / `event_ts` style timestamp: seconds with microseconds. */
function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`, as Slack signs every HTTP request. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number = nowSeconds(),
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const timestamp = String(timestampSeconds);
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': timestamp };
}

export interface SlashCommandFields {
  /** Default `/fx-send`. */
  command?: string;
  /** Everything after the command, escaped as Slack does with `should_escape: true`. */
  text: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  /** Default: a fresh unique trigger_id. */
  trigger_id?: string;
  response_url: string;
  api_app_id?: string;
  enterprise_id?: string;
}

/** A slash command as Slack posts it: `application/x-www-form-urlencoded`, Slack's field names. */
export function slashCommandBody(fields: SlashCommandFields): string {
  const params = new URLSearchParams();
  params.set('token', VERIFICATION_TOKEN);
  params.set('team_id', fields.team_id ?? TEAM_ID);
  params.set('team_domain', fields.team_domain ?? TEAM_DOMAIN);
  if (fields.enterprise_id !== undefined) {
    params.set('enterprise_id', fields.enterprise_id);
    params.set('enterprise_name', 'Fx Test Enterprise');
  }
  params.set('channel_id', fields.channel_id ?? CHANNEL_ID);
  params.set('channel_name', fields.channel_name ?? CHANNEL_NAME);
  params.set('user_id', fields.user_id ?? SENDER_ID);
  params.set('user_name', fields.user_name ?? SENDER_NAME);
  params.set('command', fields.command ?? COMMAND);
  params.set('text', fields.text);
  params.set('api_app_id', fields.api_app_id ?? API_APP_ID);
  params.set('is_enterprise_install', 'false');
  params.set('response_url', fields.response_url);
  params.set('trigger_id', fields.trigger_id ?? freshTriggerId());
  return params.toString();
}

function teamObject(teamId: string | null | undefined): Record<string, unknown> | null {
  if (teamId === null) return null;
  return { id: teamId ?? TEAM_ID, domain: TEAM_DOMAIN };
}

function userObject(userId: string | undefined, teamId: string | null | undefined): Record<string, unknown> {
  const id = userId ?? SENDER_ID;
  const name = id === SENDER_ID ? SENDER_NAME : id.toLowerCase();
  return { id, username: name, name, team_id: teamId ?? TEAM_ID };
}

function channelObject(channelId: string | undefined): Record<string, unknown> {
  const id = channelId ?? CHANNEL_ID;
  return { id, name: id === CHANNEL_ID ? CHANNEL_NAME : id.toLowerCase() };
}

export interface MessageShortcutOptions {
  callbackId: string;
  /** Who clicked the shortcut. Default SENDER_ID. */
  userId?: string;
  /** `null` reproduces an org-wide install, where Slack sends `team: null`. */
  teamId?: string | null;
  channelId?: string;
  /** The message the shortcut was used on. Leave `user` out (and set `bot_id`) for a bot message. */
  message: {
    ts: string;
    text?: string;
    user?: string;
    bot_id?: string;
    thread_ts?: string;
    blocks?: unknown[];
    files?: unknown[];
    /** Set by Slack on a message edited after it was posted. */
    edited?: { user: string; ts: string };
  };
  responseUrl: string;
  triggerId?: string;
}

/** A message shortcut (`type: message_action`), shaped like Slack's real payload. */
export function messageShortcutPayload(opts: MessageShortcutOptions): Record<string, unknown> {
  const message: Record<string, unknown> = { type: 'message', ts: opts.message.ts };
  if (opts.message.user !== undefined) {
    message.user = opts.message.user;
    message.team = opts.teamId ?? TEAM_ID;
  }
  if (opts.message.bot_id !== undefined) message.bot_id = opts.message.bot_id;
  if (opts.message.text !== undefined) message.text = opts.message.text;
  if (opts.message.thread_ts !== undefined) message.thread_ts = opts.message.thread_ts;
  if (opts.message.blocks !== undefined) message.blocks = opts.message.blocks;
  if (opts.message.files !== undefined) message.files = opts.message.files;
  if (opts.message.edited !== undefined) message.edited = opts.message.edited;
  return {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: teamObject(opts.teamId),
    user: userObject(opts.userId, opts.teamId),
    channel: channelObject(opts.channelId),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: opts.callbackId,
    trigger_id: opts.triggerId ?? freshTriggerId(),
    response_url: opts.responseUrl,
    message_ts: opts.message.ts,
    message,
  };
}

export interface BlockActionOptions {
  actionId: string;
  value?: string;
  blockId?: string;
  /** Who clicked. Default SENDER_ID. */
  userId?: string;
  teamId?: string | null;
  channelId?: string;
  /** The ts of the message carrying the button. */
  messageTs: string;
  /** The message carrying the button; default: a bot message from this app with that ts. */
  message?: Record<string, unknown>;
  responseUrl: string;
  triggerId?: string;
}

/** A button click (`type: block_actions`) on a message, shaped like Slack's real payload. */
export function blockActionPayload(opts: BlockActionOptions): Record<string, unknown> {
  const channelId = opts.channelId ?? CHANNEL_ID;
  const message = opts.message ?? {
    type: 'message',
    subtype: 'bot_message',
    ts: opts.messageTs,
    bot_id: BOT_ID,
    user: BOT_USER_ID,
    app_id: API_APP_ID,
    text: '',
    blocks: [],
  };
  const action: Record<string, unknown> = {
    action_id: opts.actionId,
    block_id: opts.blockId ?? 'actions',
    text: { type: 'plain_text', text: opts.actionId, emoji: true },
    type: 'button',
    action_ts: actionTs(),
  };
  if (opts.value !== undefined) action.value = opts.value;
  return {
    type: 'block_actions',
    user: userObject(opts.userId, opts.teamId),
    api_app_id: API_APP_ID,
    token: VERIFICATION_TOKEN,
    container: { type: 'message', message_ts: opts.messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: opts.triggerId ?? freshTriggerId(),
    team: teamObject(opts.teamId),
    enterprise: null,
    is_enterprise_install: false,
    channel: channelObject(channelId),
    message,
    state: { values: {} },
    response_url: opts.responseUrl,
    actions: [action],
  };
}

export interface ViewSubmissionOptions {
  callbackId: string;
  userId?: string;
  teamId?: string | null;
  viewId?: string;
  privateMetadata?: string;
  /** `state.values`: block_id → action_id → element state, e.g. `{ type: 'plain_text_input', value: 'hi' }`. */
  values: Record<string, Record<string, unknown>>;
  triggerId?: string;
}

let viewCounter = 0;

/** A modal submission (`type: view_submission`), shaped like Slack's real payload. */
export function viewSubmissionPayload(opts: ViewSubmissionOptions): Record<string, unknown> {
  viewCounter += 1;
  const viewId = opts.viewId ?? `V0VIEW${String(viewCounter).padStart(4, '0')}`;
  const teamId = opts.teamId ?? TEAM_ID;
  return {
    type: 'view_submission',
    team: teamObject(opts.teamId),
    user: userObject(opts.userId, opts.teamId),
    api_app_id: API_APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: opts.triggerId ?? freshTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      blocks: [],
      private_metadata: opts.privateMetadata ?? '',
      callback_id: opts.callbackId,
      state: { values: opts.values },
      hash: `${nowSeconds()}.${randomBytes(4).toString('hex')}`,
      title: { type: 'plain_text', text: 'fx-bridge', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Send', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: API_APP_ID,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: BOT_ID,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Interactivity payloads travel as one form field: `payload=<urlencoded JSON>`. */
export function interactivityBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface SignedPostOptions {
  signingSecret: string;
  /** Default: now. Use an old value to test stale-request rejection. */
  timestampSeconds?: number;
  /** Replaces the computed signature, to forge a request. */
  signature?: string;
  /** Default `application/x-www-form-urlencoded`. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface SignedPostResult {
  status: number;
  body: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown | undefined;
  elapsedMs: number;
}

/** POSTs `rawBody` exactly as given, with Slack's signature headers. */
export async function postSigned(
  url: string,
  rawBody: string,
  options: SignedPostOptions,
): Promise<SignedPostResult> {
  const signed = signSlackRequest(options.signingSecret, rawBody, options.timestampSeconds);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    ...signed,
    ...(options.signature !== undefined ? { 'x-slack-signature': options.signature } : {}),
    ...options.headers,
  };
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body: rawBody });
  const body = await response.text();
  const elapsedMs = performance.now() - started;
  let json: unknown;
  if (body.length > 0) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, body, json, elapsedMs };
}

export async function sendSlashCommand(
  eventsUrl: string,
  signingSecret: string,
  fields: SlashCommandFields,
): Promise<SignedPostResult> {
  return postSigned(eventsUrl, slashCommandBody(fields), { signingSecret });
}

export async function sendInteraction(
  eventsUrl: string,
  signingSecret: string,
  payload: Record<string, unknown>,
): Promise<SignedPostResult> {
  return postSigned(eventsUrl, interactivityBody(payload), { signingSecret });
}
