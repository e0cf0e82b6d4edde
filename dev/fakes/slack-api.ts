/**
 * A fake Slack Web API: a real HTTP server on 127.0.0.1 that `@slack/web-api`'s WebClient (and so a
 * Bolt app) talks to through `slackApiUrl`. It records every call, keeps the messages the bot posted
 * up to date, serves local `response_url`s (5 uses within 30 minutes, as Slack; a test can expire one),
 * and can be told to fail or rate-limit the next call.
 *
 *   const slack = await FakeSlackApi.start();
 *   const app = new App({ ..., clientOptions: { slackApiUrl: slack.url } });
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSlackOAuth, tokenOfCall } from './slack-oauth.js';
import {
  API_APP_ID,
  BOT_ID,
  BOT_USER_ID,
  CHANNEL_ID,
  CHANNEL_NAME,
  TEAM_DOMAIN,
  TEAM_ID,
} from './slack-requests.js';

export interface SlackApiCall {
  method: string;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  thread_ts?: string;
  updates: Array<{ text?: string; blocks?: unknown; at: number }>;
  deleted: boolean;
}

/** A message a person posted, as `conversations.history` / `replies` answer it (`addChannelMessage`). */
export interface ChannelMessage {
  channel: string;
  ts: string;
  user?: string;
  text?: string;
  thread_ts?: string;
  bot_id?: string;
  subtype?: string;
  files?: unknown[];
  blocks?: unknown[];
}

/** A reaction added through `reactions.add` (the bot's own), until `reactions.remove` takes it off. */
export interface AddedReaction {
  channel: string;
  timestamp: string;
  name: string;
  at: number;
}

export interface ResponseUrlCall {
  path: string;
  body: Record<string, unknown>;
  at: number;
  /**
   * What the fake answered: 200, or 404 when the URL was used up or had expired (Slack shows
   * nothing), or 0 for a post held (`holdCalls(RESPONSE_URL)`) and never answered.
   */
  status: number;
}

export interface FakeSlackApiOptions {
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /**
   * How many POSTs one response_url accepts before answering 404 `used_url`, as Slack does (5).
   * Every POST is recorded either way. Use `Number.POSITIVE_INFINITY` to turn the limit off.
   */
  responseUrlMaxUses?: number;
  /**
   * How long a response_url handed out by `responseUrl()` works, on the fake's clock, before it
   * answers 404 `expired_url` as Slack does (30 minutes). A path the fake never handed out is
   * counted from its first POST.
   */
  responseUrlLifetimeMs?: number;
  /** The fake's clock, for response_url lifetimes (default Date.now): a test may move it on. */
  now?: () => number;
}

/** A file served at its `url_private`; `html` serves that page instead (Slack's sign-in page trap). */
export interface FakeFile {
  name: string;
  mimetype: string;
  bytes?: Uint8Array;
  html?: string;
}

export interface FileDownload {
  id: string;
  authorization: string | undefined;
  at: number;
}

interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  email?: string;
  phone?: string;
  tz?: string;
  /** A workspace admin (users.info `is_admin`): install mode lets admins connect Fxiaoke. */
  is_admin?: boolean;
}

type ApiResult = Record<string, unknown>;

const RESPONSE_URL_MAX_USES = 5;
/** `holdCalls(RESPONSE_URL)` holds the posts to response_urls. */
export const RESPONSE_URL = 'response_url';
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Top-level fields that are always plain strings, even when their text happens to look like JSON. */
const PLAIN_STRING_FIELDS = new Set([
  'text',
  'markdown_text',
  'channel',
  'ts',
  'thread_ts',
  'user',
  'users',
  'user_id',
  'trigger_id',
  'view_id',
  'external_id',
  'hash',
  'token',
]);

/** Form fields that hold JSON arrays/objects (WebClient JSON-encodes nested values) are decoded back. */
function decodeFormValue(key: string, value: string): unknown {
  if (PLAIN_STRING_FIELDS.has(key)) return value;
  const trimmed = value.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null) return parsed;
    } catch {
      // not JSON: keep the string
    }
  }
  return value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function decodeBody(raw: Buffer, contentType: string | undefined): Promise<Record<string, unknown>> {
  const type = (contentType ?? '').toLowerCase();
  if (raw.length === 0) return {};
  if (type.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return isPlainObject(parsed) ? parsed : { _json: parsed };
  }
  if (type.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const out: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      out[key] =
        typeof value === 'string' ? decodeFormValue(key, value) : { filename: value.name, size: value.size };
    }
    return out;
  }
  // application/x-www-form-urlencoded (WebClient's default) and anything else form-like
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
    out[key] = decodeFormValue(key, value);
  }
  return out;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export class FakeSlackApi {
  /** Exactly what to pass as `slackApiUrl` (with the trailing slash). */
  readonly url: string;
  readonly baseUrl: string;
  readonly calls: SlackApiCall[] = [];
  /** chat.postMessage results, kept up to date by chat.update and chat.delete. */
  readonly messages: PostedMessage[] = [];
  /** Everything POSTed to any response_url handed out by `responseUrl()` (or any `/response/…` path). */
  readonly responses: ResponseUrlCall[] = [];

  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  /** Install mode: oauth.v2.access and per-token auth.test (slack-oauth.ts). */
  readonly oauth = new FakeSlackOAuth();

  private readonly server: Server;
  private readonly responseUrlMaxUses: number;
  private readonly responseUrlLifetimeMs: number;
  private readonly now: () => number;
  /** When each response_url path was handed out (or first POSTed to). */
  private readonly responseUrlIssuedAt = new Map<string, number>();
  private readonly expiredResponseUrls = new Set<string>();
  private readonly failures = new Map<string, Array<string>>();
  private readonly rateLimits = new Map<string, number>();
  /** Methods whose calls wait unanswered (holdCalls), with how to answer each. */
  private readonly held = new Map<string, Array<{ answer(): void; drop(): void }>>();
  private readonly unpostable = new Set<string>();
  private readonly users = new Map<string, FakeUser>();
  private readonly userGroups = new Map<string, string[]>();
  private readonly files = new Map<string, FakeFile>();
  /** Every GET of a file's url_private, served or refused. */
  readonly fileDownloads: FileDownload[] = [];
  private readonly views = new Map<string, Record<string, unknown>>();
  /** Messages people posted, for conversations.history and conversations.replies. */
  readonly channelMessages: ChannelMessage[] = [];
  /** Reactions the bot added (reactions.add), minus those it removed. */
  readonly reactions: AddedReaction[] = [];
  private readonly channelNames = new Map<string, string>([[CHANNEL_ID, CHANNEL_NAME]]);
  private readonly usedTriggerIds = new Set<string>();
  /** Sent as `x-oauth-scopes` on every answer, as Slack does; undefined: the header is left out. */
  oauthScopes: string[] | undefined;
  private readonly responseUrlUses = new Map<string, number>();
  private tsCounter = 0;
  private idCounter = 0;
  private socketModeUrl: string | undefined;

  private constructor(server: Server, port: number, options: FakeSlackApiOptions) {
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.url = `${this.baseUrl}/api/`;
    this.botUserId = options.botUserId ?? BOT_USER_ID;
    this.botId = options.botId ?? BOT_ID;
    this.teamId = options.teamId ?? TEAM_ID;
    this.responseUrlMaxUses = options.responseUrlMaxUses ?? RESPONSE_URL_MAX_USES;
    this.responseUrlLifetimeMs = options.responseUrlLifetimeMs ?? RESPONSE_URL_LIFETIME_MS;
    this.now = options.now ?? Date.now;
  }

  static async start(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
    let fake: FakeSlackApi | undefined;
    const server = createServer((req, res) => {
      if (fake === undefined) {
        sendJson(res, 503, { ok: false, error: 'fake_not_ready' });
        return;
      }
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          sendJson(res, 500, { ok: false, error: 'fake_internal_error', detail: String(error) });
        } else {
          res.end();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlackApi(server, port, options);
    return fake;
  }

  callsTo(method: string): SlackApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  message(channel: string, ts: string): PostedMessage | undefined {
    const wanted = this.dmChannelFor(channel);
    return this.messages.find((m) => m.channel === wanted && m.ts === ts);
  }

  /** A fresh local response_url; POSTs to it land in `responses`. Its lifetime starts now. */
  responseUrl(id?: string): string {
    const suffix = id ?? `${this.nextId()}-${randomBytes(4).toString('hex')}`;
    const url = `${this.baseUrl}/response/${encodeURIComponent(suffix)}`;
    const path = new URL(url).pathname;
    if (!this.responseUrlIssuedAt.has(path)) this.responseUrlIssuedAt.set(path, this.now());
    return url;
  }

  /**
   * From now on every POST to this response_url answers 404 `expired_url`, as Slack answers one
   * past its 30 minutes (still recorded in `responses`): a relay that waited longer than that.
   */
  expireResponseUrl(url: string): void {
    this.expiredResponseUrls.add(url.startsWith('http') ? new URL(url).pathname : url);
  }

  responsesTo(url: string): ResponseUrlCall[] {
    const path = url.startsWith('http') ? new URL(url).pathname : url;
    return this.responses.filter((r) => r.path === path);
  }

  /** The next `times` calls to `method` answer `{ ok: false, error }` (after being recorded). */
  failNext(method: string, error: string, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(error);
    this.failures.set(method, queue);
  }

  /**
   * From now on, calls to `method` (`RESPONSE_URL` for posts to response_urls) are recorded and
   * left unanswered, as by a Slack that hangs: a test can stop the bridge in the middle of telling
   * someone. Until `answerHeld` (they are carried out now) or `dropHeld` (they never were).
   */
  holdCalls(method: string): void {
    this.held.set(method, this.held.get(method) ?? []);
  }

  /** Calls to `method` are answered again; those held so far are carried out and answered now. */
  answerHeld(method: string): void {
    const waiting = this.held.get(method) ?? [];
    this.held.delete(method);
    for (const held of waiting) held.answer();
  }

  /** Calls to `method` are answered again; those held so far were never carried out (their connection is closed). */
  dropHeld(method: string): void {
    const waiting = this.held.get(method) ?? [];
    this.held.delete(method);
    for (const held of waiting) held.drop();
  }

  /** The next call to `method` answers HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(method: string, retryAfterSeconds: number): void {
    this.rateLimits.set(method, retryAfterSeconds);
  }

  /** When false, chat.postMessage to that channel answers `not_in_channel`. DMs (U…/D…/W…) always work. */
  setChannelPostable(channelId: string, ok: boolean): void {
    if (ok) this.unpostable.delete(channelId);
    else this.unpostable.add(channelId);
  }

  /**
   * Where `apps.connections.open` (called with the app-level `xapp-` token) sends Socket Mode clients.
   * Until this is set the method stays unknown, as before.
   */
  setSocketModeUrl(url: string): void {
    this.socketModeUrl = url;
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id, { ...user });
  }

  /** A message a person posted in a channel: `conversations.history` and `replies` find it by ts. */
  addChannelMessage(message: ChannelMessage): ChannelMessage {
    this.channelMessages.push({ ...message });
    return message;
  }

  /** The name `conversations.info` answers for a channel (#general is known from the start). */
  setChannelName(channelId: string, name: string): void {
    this.channelNames.set(channelId, name);
  }

  /** Members `usergroups.users.list` answers for a user group (S…); an unknown group is `no_such_subteam`. */
  setUserGroupMembers(groupId: string, userIds: readonly string[]): void {
    this.userGroups.set(groupId, [...userIds]);
  }

  /**
   * Serves a file at `<baseUrl>/files-pri/<team>-<id>/<name>` to a bot token (`Bearer xoxb-…`);
   * without one, or when the file has `html`, answers 200 with an HTML page, as Slack does without
   * `files:read`. Returns the file as a message's `files` entry carries it.
   */
  addFile(id: string, file: FakeFile): Record<string, unknown> {
    this.files.set(id, file);
    const url = `${this.baseUrl}/files-pri/${this.teamId}-${id}/${encodeURIComponent(file.name)}`;
    return {
      id,
      name: file.name,
      title: file.name,
      mimetype: file.mimetype,
      filetype: file.name.split('.').pop() ?? '',
      size: file.bytes?.length ?? file.html?.length ?? 0,
      mode: 'hosted',
      is_external: false,
      url_private: url,
      url_private_download: `${url}?download=1`,
    };
  }

  private serveFile(path: string, req: IncomingMessage, res: ServerResponse): void {
    const id = /^\/files-pri\/[^/]+?-([^/-]+)\//.exec(path)?.[1] ?? '';
    const authorization = req.headers.authorization;
    this.fileDownloads.push({ id, authorization, at: Date.now() });
    const file = this.files.get(id);
    const signIn =
      '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>';
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('file_not_found');
    } else if (!/^Bearer xoxb-\S+$/.test(authorization ?? '') || file.html !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(file.html ?? signIn);
    } else {
      const bytes = file.bytes ?? new Uint8Array();
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': bytes.length }).end(bytes);
    }
  }

  /** Polls `predicate` every 10 ms until it returns something other than undefined/false. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const started = Date.now();
    return new Promise<T>((resolve, reject) => {
      let lastError: unknown;
      const tick = (): void => {
        try {
          const result = predicate();
          if (result !== undefined && result !== false) {
            resolve(result);
            return;
          }
        } catch (error) {
          lastError = error;
        }
        if (Date.now() - started >= timeoutMs) {
          const seen = this.calls.map((c) => c.method).join(', ') || 'none';
          const extra =
            lastError === undefined ? '' : ` Last error from the predicate: ${String(lastError)}.`;
          reject(
            new Error(
              `FakeSlackApi.waitFor timed out after ${timeoutMs} ms waiting for ${predicate.toString()}. ` +
                `Web API calls seen: ${seen}; response_url posts: ${this.responses.length}.${extra}`,
            ),
          );
          return;
        }
        setTimeout(tick, 10);
      };
      tick();
    });
  }

  /**
   * Back to the state just after start(): forgets calls, messages, responses, pending failures and rate
   * limits, channel postability, users, views and used trigger_ids. The ts counter keeps increasing so
   * ts values never repeat within one fake.
   */
  reset(): void {
    this.calls.length = 0;
    this.messages.length = 0;
    this.responses.length = 0;
    this.failures.clear();
    this.rateLimits.clear();
    this.held.clear();
    this.unpostable.clear();
    this.users.clear();
    this.userGroups.clear();
    this.files.clear();
    this.fileDownloads.length = 0;
    this.views.clear();
    this.channelMessages.length = 0;
    this.reactions.length = 0;
    this.usedTriggerIds.clear();
    this.responseUrlUses.clear();
    this.responseUrlIssuedAt.clear();
    this.expiredResponseUrls.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------

  private nextId(): string {
    this.idCounter += 1;
    return String(this.idCounter).padStart(6, '0');
  }

  /** Unique, increasing message ts: 1700000000.000100, 1700000000.000200, … */
  private nextTs(): string {
    this.tsCounter += 1;
    const micros = this.tsCounter * 100;
    const seconds = 1_700_000_000 + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** Posting to a user id opens (or reuses) the DM with that user: U123 → D123. */
  private dmChannelFor(channel: string): string {
    if (/^[UW][A-Z0-9]+$/.test(channel)) return `D${channel.slice(1)}`;
    return channel;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    if (req.method !== 'POST' && req.method !== 'GET') {
      sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
      return;
    }
    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = await decodeBody(raw, req.headers['content-type']);
    } catch {
      body = { _raw: raw.toString('utf8') };
    }
    // GET query parameters (WebClient always POSTs, but curl-style checks may GET)
    for (const [key, value] of new URL(req.url ?? '/', this.baseUrl).searchParams) {
      if (!(key in body)) body[key] = decodeFormValue(key, value);
    }

    if (path.startsWith('/files-pri/')) {
      this.serveFile(path, req, res);
      return;
    }
    if (path.startsWith('/response/')) {
      const held = this.held.get(RESPONSE_URL);
      if (held) {
        // Recorded as unanswered (0) while held; an answer later records what it answered instead.
        const entry: ResponseUrlCall = { path, body, at: Date.now(), status: 0 };
        this.responses.push(entry);
        held.push({
          answer: () => {
            this.responses.splice(this.responses.indexOf(entry), 1);
            this.handleResponseUrl(path, body, res);
          },
          drop: () => res.destroy(),
        });
        return;
      }
      this.handleResponseUrl(path, body, res);
      return;
    }
    if (path.startsWith('/api/')) {
      const method = decodeURIComponent(path.slice('/api/'.length));
      this.handleApi(method, body, req, res);
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  private handleResponseUrl(path: string, body: Record<string, unknown>, res: ServerResponse): void {
    const at = Date.now();
    const issuedAt = this.responseUrlIssuedAt.get(path) ?? this.now();
    this.responseUrlIssuedAt.set(path, issuedAt);
    if (this.expiredResponseUrls.has(path) || this.now() - issuedAt >= this.responseUrlLifetimeMs) {
      this.responses.push({ path, body, at, status: 404 });
      sendJson(res, 404, { ok: false, error: 'expired_url' });
      return;
    }
    const uses = (this.responseUrlUses.get(path) ?? 0) + 1;
    this.responseUrlUses.set(path, uses);
    const used = uses > this.responseUrlMaxUses;
    this.responses.push({ path, body, at, status: used ? 404 : 200 });
    if (used) {
      sendJson(res, 404, { ok: false, error: 'used_url' });
      return;
    }
    sendJson(res, 200, { ok: true });
  }

  private handleApi(
    method: string,
    body: Record<string, unknown>,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    this.calls.push({ method, body, headers: { ...req.headers }, at: Date.now() });
    const held = this.held.get(method);
    if (held) {
      held.push({ answer: () => this.answerApi(method, body, req, res), drop: () => res.destroy() });
      return;
    }
    this.answerApi(method, body, req, res);
  }

  private answerApi(
    method: string,
    body: Record<string, unknown>,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const retryAfter = this.rateLimits.get(method);
    if (retryAfter !== undefined) {
      this.rateLimits.delete(method);
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
      return;
    }
    const queued = this.failures.get(method);
    const failure = queued?.shift();
    if (queued !== undefined && queued.length === 0) this.failures.delete(method);
    if (failure !== undefined) {
      sendJson(res, 200, { ok: false, error: failure });
      return;
    }
    // The code exchange carries the app's client id and secret, no token.
    if (method === 'oauth.v2.access') {
      sendJson(res, 200, this.oauth.access(body));
      return;
    }
    const authorization = req.headers.authorization;
    const hasToken =
      (typeof authorization === 'string' && /^Bearer \S+/.test(authorization)) ||
      (typeof body.token === 'string' && body.token.length > 0);
    if (!hasToken) {
      sendJson(res, 200, { ok: false, error: 'not_authed' });
      return;
    }
    sendJson(
      res,
      200,
      this.dispatch(method, body, tokenOfCall(authorization, body)),
      this.oauthScopes ? { 'x-oauth-scopes': this.oauthScopes.join(',') } : {},
    );
  }

  private dispatch(method: string, body: Record<string, unknown>, token?: string): ApiResult {
    switch (method) {
      case 'auth.test':
        return (
          (this.oauth.authTest(token) as ApiResult | undefined) ?? {
            ok: true,
            url: `https://${TEAM_DOMAIN}.slack.com/`,
            team: TEAM_DOMAIN,
            user: 'fx-bridge',
            team_id: this.teamId,
            user_id: this.botUserId,
            bot_id: this.botId,
            is_enterprise_install: false,
          }
        );
      case 'chat.postMessage':
        return this.postMessage(body);
      case 'chat.update':
        return this.updateMessage(body);
      case 'chat.delete':
        return this.deleteMessage(body);
      case 'chat.postEphemeral':
        return this.postEphemeral(body);
      case 'chat.getPermalink':
        return this.permalink(body);
      case 'views.open':
        return this.openView(body);
      case 'views.update':
        return this.updateView(body);
      case 'views.publish':
        return this.publishView(body);
      case 'users.info':
        return this.userInfo(body);
      case 'usergroups.users.list': {
        const members = this.userGroups.get(str(body.usergroup) ?? '');
        return members ? { ok: true, users: [...members] } : { ok: false, error: 'no_such_subteam' };
      }
      case 'conversations.open':
        return this.openConversation(body);
      case 'conversations.history':
        return this.history(body);
      case 'conversations.replies':
        return this.replies(body);
      case 'conversations.info': {
        const channel = str(body.channel) ?? '';
        const name = this.channelNames.get(channel);
        return name
          ? { ok: true, channel: { id: channel, name, is_channel: true } }
          : { ok: false, error: 'channel_not_found' };
      }
      case 'reactions.add':
        return this.addReaction(body);
      case 'reactions.remove':
        return this.removeReaction(body);
      case 'apps.connections.open':
        if (this.socketModeUrl === undefined)
          return { ok: false, error: 'unknown_method', req_method: method };
        return { ok: true, url: this.socketModeUrl };
      default:
        return { ok: false, error: 'unknown_method', req_method: method };
    }
  }

  private botMessage(ts: string, text: string | undefined, blocks: unknown, threadTs?: string): ApiResult {
    const message: ApiResult = {
      type: 'message',
      subtype: 'bot_message',
      text: text ?? '',
      user: this.botUserId,
      bot_id: this.botId,
      app_id: API_APP_ID,
      team: this.teamId,
      ts,
    };
    if (blocks !== undefined) message.blocks = blocks;
    if (threadTs !== undefined) message.thread_ts = threadTs;
    return message;
  }

  private postMessage(body: Record<string, unknown>): ApiResult {
    const requested = str(body.channel);
    if (requested === undefined || requested === '') return { ok: false, error: 'channel_not_found' };
    const text = str(body.text);
    const blocks = body.blocks;
    if ((text === undefined || text === '') && blocks === undefined && body.attachments === undefined) {
      return { ok: false, error: 'no_text' };
    }
    const channel = this.dmChannelFor(requested);
    const isDm = channel.startsWith('D');
    if (!isDm && this.unpostable.has(requested)) return { ok: false, error: 'not_in_channel' };
    const ts = this.nextTs();
    const threadTs = str(body.thread_ts);
    const posted: PostedMessage = { channel, ts, updates: [], deleted: false };
    if (text !== undefined) posted.text = text;
    if (blocks !== undefined) posted.blocks = blocks;
    if (threadTs !== undefined) posted.thread_ts = threadTs;
    this.messages.push(posted);
    return { ok: true, channel, ts, message: this.botMessage(ts, text, blocks, threadTs) };
  }

  private findLive(body: Record<string, unknown>): PostedMessage | undefined {
    const channel = str(body.channel);
    const ts = str(body.ts);
    if (channel === undefined || ts === undefined) return undefined;
    const found = this.message(channel, ts);
    return found?.deleted ? undefined : found;
  }

  private updateMessage(body: Record<string, unknown>): ApiResult {
    const found = this.findLive(body);
    if (found === undefined) return { ok: false, error: 'message_not_found' };
    const text = str(body.text);
    const blocks = body.blocks;
    const update: { text?: string; blocks?: unknown; at: number } = { at: Date.now() };
    if (text !== undefined) {
      update.text = text;
      found.text = text;
    }
    if (blocks !== undefined) {
      update.blocks = blocks;
      found.blocks = blocks;
    }
    found.updates.push(update);
    return {
      ok: true,
      channel: found.channel,
      ts: found.ts,
      text: found.text ?? '',
      message: this.botMessage(found.ts, found.text, found.blocks, found.thread_ts),
    };
  }

  private deleteMessage(body: Record<string, unknown>): ApiResult {
    const found = this.findLive(body);
    if (found === undefined) return { ok: false, error: 'message_not_found' };
    found.deleted = true;
    return { ok: true, channel: found.channel, ts: found.ts };
  }

  private postEphemeral(body: Record<string, unknown>): ApiResult {
    const channel = str(body.channel);
    const user = str(body.user);
    if (channel === undefined || channel === '') return { ok: false, error: 'channel_not_found' };
    if (user === undefined || user === '') return { ok: false, error: 'user_not_found' };
    if (str(body.text) === undefined && body.blocks === undefined && body.attachments === undefined) {
      return { ok: false, error: 'no_text' };
    }
    return { ok: true, message_ts: this.nextTs() };
  }

  /**
   * As Slack answers it: `https://<domain>.slack.com/archives/<channel>/p<ts without the dot>`. The
   * fake knows only the bot's own posts, so any well-formed ts counts as a message, unless it was
   * deleted (`message_not_found`); `failNext('chat.getPermalink', …)` makes it fail.
   */
  private permalink(body: Record<string, unknown>): ApiResult {
    const channel = str(body.channel);
    const ts = str(body.message_ts);
    if (channel === undefined || channel === '') return { ok: false, error: 'channel_not_found' };
    if (ts === undefined || !/^\d+\.\d+$/.test(ts)) return { ok: false, error: 'message_not_found' };
    if (this.message(channel, ts)?.deleted) return { ok: false, error: 'message_not_found' };
    const wanted = this.dmChannelFor(channel);
    return {
      ok: true,
      channel: wanted,
      permalink: `https://${TEAM_DOMAIN}.slack.com/archives/${wanted}/p${ts.replace('.', '')}`,
    };
  }

  private viewResult(id: string, view: Record<string, unknown>): Record<string, unknown> {
    return {
      ...view,
      id,
      team_id: this.teamId,
      app_id: API_APP_ID,
      bot_id: this.botId,
      state: { values: {} },
      hash: `${Date.now()}.${randomBytes(4).toString('hex')}`,
      root_view_id: id,
      previous_view_id: null,
    };
  }

  private openView(body: Record<string, unknown>): ApiResult {
    const triggerId = str(body.trigger_id);
    if (triggerId === undefined || triggerId === '') return { ok: false, error: 'invalid_arguments' };
    if (!isPlainObject(body.view)) return { ok: false, error: 'invalid_arguments' };
    // A trigger_id works once.
    if (this.usedTriggerIds.has(triggerId)) return { ok: false, error: 'exchanged_trigger_id' };
    this.usedTriggerIds.add(triggerId);
    const id = `V0FAKE${this.nextId()}`;
    const view = this.viewResult(id, body.view);
    this.views.set(id, view);
    return { ok: true, view };
  }

  private updateView(body: Record<string, unknown>): ApiResult {
    if (!isPlainObject(body.view)) return { ok: false, error: 'invalid_arguments' };
    const viewId = str(body.view_id);
    const externalId = str(body.external_id);
    let id: string | undefined;
    if (viewId !== undefined) {
      id = this.views.has(viewId) ? viewId : undefined;
    } else if (externalId !== undefined) {
      for (const [key, value] of this.views) if (value.external_id === externalId) id = key;
    }
    if (id === undefined) return { ok: false, error: 'not_found' };
    const view = this.viewResult(id, body.view);
    this.views.set(id, view);
    return { ok: true, view };
  }

  private publishView(body: Record<string, unknown>): ApiResult {
    const userId = str(body.user_id);
    if (userId === undefined || userId === '' || !isPlainObject(body.view)) {
      return { ok: false, error: 'invalid_arguments' };
    }
    const id = `V0HOME${this.nextId()}`;
    const view = this.viewResult(id, body.view);
    this.views.set(id, view);
    return { ok: true, view };
  }

  private userInfo(body: Record<string, unknown>): ApiResult {
    const id = str(body.user);
    const user = id === undefined ? undefined : this.users.get(id);
    if (user === undefined) return { ok: false, error: 'user_not_found' };
    const profile: Record<string, unknown> = {
      real_name: user.real_name ?? user.name,
      display_name: user.name,
    };
    if (user.email !== undefined) profile.email = user.email;
    if (user.phone !== undefined) profile.phone = user.phone;
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: this.teamId,
        name: user.name,
        real_name: user.real_name ?? user.name,
        deleted: false,
        is_bot: false,
        is_admin: user.is_admin ?? false,
        tz: user.tz ?? 'Asia/Shanghai',
        profile,
      },
    };
  }

  private asMessage(message: ChannelMessage): ApiResult {
    const { channel: _channel, ...rest } = message;
    return { type: 'message', team: this.teamId, ...rest };
  }

  /**
   * As Slack answers it with `latest`, `oldest`, `inclusive`: top-level messages (and thread
   * broadcasts) of the channel within the bounds, newest first, at most `limit`.
   */
  private history(body: Record<string, unknown>): ApiResult {
    const channel = str(body.channel);
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const inclusive = str(body.inclusive) === 'true';
    const latest = Number(str(body.latest) ?? Number.POSITIVE_INFINITY);
    const oldest = Number(str(body.oldest) ?? 0);
    const limit = Number(str(body.limit) ?? 100);
    const within = (ts: number) =>
      (inclusive ? ts <= latest && ts >= oldest : ts < latest && ts > oldest) || Number.isNaN(ts);
    const messages = this.channelMessages
      .filter((m) => m.channel === channel)
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
      .filter((m) => within(Number(m.ts)))
      .sort((a, b) => Number(b.ts) - Number(a.ts))
      .slice(0, limit);
    return { ok: true, messages: messages.map((m) => this.asMessage(m)), has_more: false };
  }

  /** A thread: its parent first, then the replies within the bounds; `ts` may name the parent or a reply. */
  private replies(body: Record<string, unknown>): ApiResult {
    const channel = str(body.channel);
    const ts = str(body.ts);
    const found = this.channelMessages.find((m) => m.channel === channel && m.ts === ts);
    if (!found) return { ok: false, error: 'thread_not_found' };
    const parentTs = found.thread_ts ?? found.ts;
    const thread = this.channelMessages
      .filter((m) => m.channel === channel && (m.ts === parentTs || m.thread_ts === parentTs))
      .sort((a, b) => Number(a.ts) - Number(b.ts));
    const [parent, ...replies] = thread;
    const inclusive = str(body.inclusive) === 'true';
    const latest = Number(str(body.latest) ?? Number.POSITIVE_INFINITY);
    const limit = Number(str(body.limit) ?? 1000);
    const shown = replies
      .filter((m) => (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
      .slice(0, limit);
    return {
      ok: true,
      messages: [parent, ...shown].filter((m) => m !== undefined).map((m) => this.asMessage(m)),
    };
  }

  private addReaction(body: Record<string, unknown>): ApiResult {
    const channel = str(body.channel);
    const timestamp = str(body.timestamp);
    const name = str(body.name);
    if (!channel || !timestamp || !name) return { ok: false, error: 'invalid_arguments' };
    if (this.reactions.some((r) => r.channel === channel && r.timestamp === timestamp && r.name === name))
      return { ok: false, error: 'already_reacted' };
    this.reactions.push({ channel, timestamp, name, at: Date.now() });
    return { ok: true };
  }

  private removeReaction(body: Record<string, unknown>): ApiResult {
    const index = this.reactions.findIndex(
      (r) =>
        r.channel === str(body.channel) && r.timestamp === str(body.timestamp) && r.name === str(body.name),
    );
    if (index < 0) return { ok: false, error: 'no_reaction' };
    this.reactions.splice(index, 1);
    return { ok: true };
  }

  private openConversation(body: Record<string, unknown>): ApiResult {
    const channel = str(body.channel);
    if (channel !== undefined && channel !== '') return { ok: true, channel: { id: channel } };
    const users = (str(body.users) ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    const first = users[0];
    if (users.length !== 1 || first === undefined) {
      return { ok: false, error: users.length === 0 ? 'users_list_not_supplied' : 'not_supported' };
    }
    return { ok: true, channel: { id: this.dmChannelFor(first) } };
  }
}
