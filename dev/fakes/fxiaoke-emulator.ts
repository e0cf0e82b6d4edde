/**
 * Fxiaoke (纷享销客) OpenAPI emulator: a real HTTP server on loopback (node:http only) implementing
 * /work/shared/fxiaoke-openapi.md — both auth styles, token lifetime and rotation, the envelope,
 * message send / service-account send / revoke, the address book, rate limits, a daily quota,
 * injectable faults — and recording every request so tests can assert on what Fxiaoke received.
 *
 * HTTP level (no envelope): unknown path → 404 text/plain; known path with a method other than
 * POST → 405 text/plain (Allow: POST). Everything else answers HTTP 200 with the envelope
 * `{errorCode, errorMessage, errorDescription, traceId: 'E-O.emu.<n>.<hex>', ...fields}`.
 *
 * Checks, in order: faults → 404/405 → thirdTraceId → Content-Type → JSON body → (token calls
 * end here) → auth → rate limit → daily quota → the endpoint's own validation.
 *
 * STRICT by default (issue 12), as public clients and the live gateway show it, and no stricter:
 *   - header style: toUser holds employee ids unless `convertUserId: true`, then openUserIds; the
 *     other form answers 11008. Legacy style takes openUserIds (11008 otherwise).
 *   - wrong appSecret 10006 (a live probe), wrong appId 20006, no credentials at all 20017.
 *   - a send answers the envelope alone (messageIdLocation 'none'); switches place an id.
 *   - composite: the card under `composite`, head.title and link{title,url}, first/remark
 *     `{content}`, form `[{label,value}]` (recorded as `message.card`); articles: content
 *     required, title ≤ 45, author ≤ 8, description ≤ 140 (15002 for shape and lengths).
 *   - thirdTraceId optional (no legacy public client sends one); uploads on both paths with type
 *     in the query string; /cgi/department/list served (the `departments` tree, else one per id the
 *     users name); departmentId 0 or 999999 is the company; /cgi/user/list and simpleList include
 *     sub-departments only with `fetchChild: true` (a bridge that forgets it misses people on a
 *     real tenant), and answer 11009 for a department that does not exist.
 *
 * INVENTED error codes (the spec has none for these; 9xxxx so they never pass for real ones):
 *   90001  query thirdTraceId given but not a UUID v4
 *   90002  body empty, not JSON, or not a JSON object (the spec suggests nothing; -2 would make
 *          clients retry a request that can never succeed)
 *   90003  Content-Type is not application/json
 *   90004  header style: x-fs-userid missing or not a numeric string
 *   90005  a required parameter missing / of the wrong type: grantType ≠ 'app_secret' on
 *          /oauth2.0/token, mobile, departmentId, openUserId, revoke messageId
 *   90404  revoke: no message with that messageId
 *   90403  revoke: message not sent through that serviceId (or sent with /cgi/message/send)
 *   90409  revoke: message already revoked
 *   90410  revoke: older than options.revokeWindowMs (only when that option is set)
 *
 * ASSUMED uses of documented codes:
 *   20017  no credentials at all (live), x-fs-ea ≠ the company's ea, or legacy corpId ≠ its corpId
 *   20016  also: a token of the other style (Bearer token given as corpAccessToken or vice versa)
 *   20014  serviceId missing or not one of options.serviceIds (app send and revoke)
 *   11016  more than 500 recipients, or a recipient that is not a non-empty string
 *   30027  a recipient whose directory entry has isStop: true
 *   12003  msgType image/file/voice/video (known to Fxiaoke, not emulated); other msgTypes → 11017
 *   12005  text blank; composite without head.title (under `composite` or at the top level);
 *          articles not 1..7 items that all have a title
 *
 * /media/upload and /media/upload/message (see fxiaoke-emulator/media.ts): multipart/form-data
 * (else 90003), `type` in the query string and the file as `media` with an extension (else 90005);
 * the token in the headers or, legacy style, `corpAccessToken`/`corpId` in the query string.
 * Answers `mediaId` per options.mediaIdLocation and keeps the bytes in `media`. INVENTED: 90006
 * when an article's coverImage is not a mediaId it issued.
 *
 * Faults also model 50009 after delivery ('error-after-delivery') and the gateway's 401/403/429.
 *
 * Other choices: recipients match a directory openUserId or employeeId, per the form above; 20012 lists every unknown
 * one in errorMessage. The rate limit is a sliding window per path over calls that passed auth
 * (failed business calls count, rejected-by-limit calls do not). The quota counts successful
 * non-token calls per China day (UTC+8, on the emulator clock). tokenFetches() counts successful
 * token answers, reuses included; tokensIssued() counts distinct tokens.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import { FxiaokeApiModel, KNOWN_PATHS, LONG_NUMBER_FIELDS } from './fxiaoke-emulator/api.js';
import { isMultipart, parseMultipart, type UploadedForm } from './fxiaoke-emulator/media.js';
import type {
  EmulatedMedia,
  EmulatedMessage,
  EmulatorDepartment,
  EmulatorOptions,
  EmulatorUser,
  Fault,
  FaultRule,
  MediaIdLocation,
  MessageIdLocation,
  RateLimit,
  RecordedRequest,
  ResolvedEmulatorOptions,
} from './fxiaoke-emulator/types.js';
import { defaultUsers } from './fxiaoke-emulator/users.js';

export { PATHS } from './fxiaoke-emulator/api.js';
export { CODE } from './fxiaoke-emulator/codes.js';

import { CODE } from './fxiaoke-emulator/codes.js';

export type {
  EmulatedCard,
  EmulatedMedia,
  EmulatedMessage,
  EmulatorDepartment,
  EmulatorOptions,
  EmulatorUser,
  Fault,
  FaultRule,
  MediaIdLocation,
  MessageIdLocation,
  RateLimit,
  RecordedRequest,
  ResolvedEmulatorOptions,
} from './fxiaoke-emulator/types.js';
export {
  DEFAULT_DEPARTMENT_ID,
  defaultUsers,
  departmentCompany,
  generateUsers,
  ROOT_DEPARTMENT_ID,
} from './fxiaoke-emulator/users.js';

export const NON_JSON_BODY = '<html>gateway</html>';

interface Answer {
  status: number;
  type: string;
  text: string;
  /** What is recorded as the response: the JSON value, or the text. */
  value: unknown;
  headers?: Record<string, string>;
}

function jsonAnswer(value: unknown): Answer {
  let text = JSON.stringify(value);
  let recorded = value;
  if (typeof value === 'object' && value !== null && LONG_NUMBER_FIELDS in value) {
    // Fields written as bare numbers above 2^53 (see LONG_NUMBER_FIELDS).
    const { [LONG_NUMBER_FIELDS]: fields, ...rest } = value as Record<string, unknown>;
    recorded = rest;
    text = JSON.stringify(rest);
    for (const field of Array.isArray(fields) ? fields : []) {
      text = text.replace(new RegExp(`("${String(field)}":)"(\\d+)"`), '$1$2');
    }
  }
  return { status: 200, type: 'application/json; charset=utf-8', text, value: recorded };
}

function htmlAnswer(status: number, text: string): Answer {
  return { status, type: 'text/html; charset=utf-8', text, value: text };
}

function textAnswer(status: number, text: string, headers?: Record<string, string>): Answer {
  return { status, type: 'text/plain; charset=utf-8', text, value: text, ...(headers ? { headers } : {}) };
}

interface ActiveFault {
  fault: Fault;
  path: string | undefined;
  remaining: number;
}

function resolveOptions(options: EmulatorOptions): ResolvedEmulatorOptions {
  return {
    appId: options.appId ?? 'FSAID_test0001',
    appSecret: options.appSecret ?? 'test-app-secret',
    permanentCode: options.permanentCode ?? 'test-permanent-code',
    ea: options.ea ?? 'fs123',
    corpId: options.corpId ?? 'FSCID_test',
    serviceIds: [...(options.serviceIds ?? ['FSAID_svc0001'])],
    users: (options.users ?? defaultUsers()).map((u) => ({ ...u })),
    departments: options.departments?.map((d) => ({ ...d })),
    tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
    tokenReuseSeconds: options.tokenReuseSeconds ?? 6600,
    messageIdLocation: options.messageIdLocation ?? 'none',
    mediaIdLocation: options.mediaIdLocation ?? 'top',
    rateLimit: options.rateLimit,
    dailyQuota: options.dailyQuota,
    revokeWindowMs: options.revokeWindowMs,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    now: options.now ?? Date.now,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export class FxiaokeEmulator {
  /** e.g. 'http://127.0.0.1:43210' (no trailing slash). */
  readonly url: string;
  readonly options: ResolvedEmulatorOptions;
  /** Every request, in arrival order, faulted ones included. */
  readonly requests: RecordedRequest[] = [];
  /** Every accepted send (both endpoints), in order. */
  readonly messages: EmulatedMessage[] = [];
  /** Every accepted `/media/upload`, in order, with the bytes received. */
  readonly media: EmulatedMedia[] = [];

  readonly #server: Server;
  readonly #model: FxiaokeApiModel;
  readonly #onRequest: ((request: RecordedRequest) => void) | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #faults: ActiveFault[] = [];
  #nextRequestId = 1;
  #stopped: Promise<void> | undefined;

  private constructor(
    server: Server,
    options: ResolvedEmulatorOptions,
    onRequest: EmulatorOptions['onRequest'],
  ) {
    this.#server = server;
    this.options = options;
    this.#onRequest = onRequest;
    this.#model = new FxiaokeApiModel(options, this.messages, this.media);
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.url = `http://${host}:${options.port}`;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error: unknown) => {
        // Should not happen; answer 500 so a bug in the emulator is loud rather than a hang.
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`emulator error: ${String(error)}`);
        }
      });
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<FxiaokeEmulator> {
    const resolved = resolveOptions(options);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') resolved.port = address.port;
    return new FxiaokeEmulator(server, resolved, options.onRequest);
  }

  /** The live directory. */
  get users(): EmulatorUser[] {
    return this.options.users;
  }

  /** Successful token answers on both endpoints (a reused token counts too). */
  tokenFetches(): number {
    return this.#model.tokenFetches;
  }

  /** Distinct tokens issued on both endpoints. */
  tokensIssued(): number {
    return this.#model.tokensIssued;
  }

  /** Successful non-token calls counted against today's quota (China time). */
  quotaUsed(): number {
    return this.#model.quotaUsed;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Queued; per request the first matching rule with uses left applies. */
  addFault(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new Error(`addFault: times must be > 0, got ${times}`);
    this.#faults.push({ fault: rule.fault, path: rule.path, remaining: times });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  setMessageIdLocation(location: MessageIdLocation): void {
    this.options.messageIdLocation = location;
  }

  setMediaIdLocation(location: MediaIdLocation): void {
    this.options.mediaIdLocation = location;
  }

  setRateLimit(limit: RateLimit | undefined): void {
    this.options.rateLimit = limit;
  }

  setDailyQuota(n: number | undefined): void {
    this.options.dailyQuota = n;
  }

  /** Every token issued so far now answers 20016; the next token request issues a new one. */
  expireAllTokens(): void {
    this.#model.expireAllTokens();
  }

  /** The department tree as `/cgi/department/list` answers it (undefined: derived from the users). */
  setDepartments(departments: EmulatorDepartment[] | undefined): void {
    this.options.departments = departments?.map((d) => ({ ...d }));
  }

  addUser(user: EmulatorUser): void {
    this.options.users.push({ ...user });
  }

  /** Clears requests, messages, faults, tokens, rate windows and quota use; keeps users and options. */
  reset(): void {
    this.requests.length = 0;
    this.messages.length = 0;
    this.media.length = 0;
    this.#faults = [];
    this.#model.reset();
  }

  /** Closes the server and destroys every open socket, hanging ('timeout') ones included. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#stopped;
  }

  #takeFault(path: string): Fault | undefined {
    const rule = this.#faults.find((f) => f.remaining > 0 && (f.path === undefined || f.path === path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== rule);
    return rule.fault;
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  #finish(record: RecordedRequest): void {
    this.#onRequest?.(record);
  }

  #write(res: ServerResponse, record: RecordedRequest, answer: Answer): void {
    record.status = answer.status;
    record.response = answer.value;
    if (!res.destroyed) {
      res
        .writeHead(answer.status, {
          'content-type': answer.type,
          'content-length': Buffer.byteLength(answer.text),
          ...answer.headers,
        })
        .end(answer.text);
    }
    this.#finish(record);
  }

  /** The normal answer: 404/405 as text, else the envelope (with all of the API's side effects). */
  #answer(record: RecordedRequest, form: UploadedForm | undefined): Answer {
    if (!KNOWN_PATHS.has(record.path)) return textAnswer(404, 'Not Found');
    if (record.method !== 'POST') return textAnswer(405, 'Method Not Allowed', { allow: 'POST' });
    const envelope = this.#model.handle({
      path: record.path,
      query: record.query,
      headers: record.headers,
      body: record.body,
      ...(form ? { form } : {}),
    });
    return jsonAnswer(envelope);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const rawBody = raw.toString('utf8');
    const contentType = req.headers['content-type'];
    const form = isMultipart(contentType) ? await parseMultipart(raw, contentType ?? '') : undefined;
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const record: RecordedRequest = {
      id: this.#nextRequestId++,
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body: parseJson(rawBody),
      rawBody,
      ...(form
        ? {
            form: {
              fields: { ...form.fields },
              files: form.files.map(({ field, fileName, contentType, bytes }) => ({
                field,
                fileName,
                contentType,
                size: bytes.length,
              })),
            },
          }
        : {}),
      at: this.options.now(),
    };
    this.requests.push(record);

    const fault = this.#takeFault(record.path);
    if (fault) record.fault = fault.type;
    switch (fault?.type) {
      case 'latency':
        await this.#delay(fault.ms);
        if (this.#stopped) return;
        break;
      case 'timeout':
        this.#finish(record); // never answered; stop() or the client closes the socket
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        this.#finish(record);
        return;
      case 'http': {
        const title = `${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}`;
        const body =
          fault.body ?? `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
        this.#write(res, record, { ...htmlAnswer(fault.status, body), headers: fault.headers });
        return;
      }
      case 'non-json':
        this.#write(res, record, htmlAnswer(200, NON_JSON_BODY));
        return;
      case 'error': {
        const envelope = this.#model.envelope(fault.errorCode, fault.errorMessage ?? 'emulated error');
        this.#write(res, record, jsonAnswer(envelope));
        return;
      }
      default:
        break;
    }

    let answer = this.#answer(record, form);
    if (fault?.type === 'error-after-delivery') {
      const done = answer.value as { errorCode?: unknown; traceId?: unknown } | undefined;
      if (done?.errorCode === 0) {
        const code = fault.errorCode ?? CODE.INTERNAL_TIMEOUT;
        const envelope = this.#model.envelope(code, 'internal timeout');
        answer = jsonAnswer({ ...envelope, traceId: done.traceId ?? envelope.traceId });
      }
    }
    if (fault?.type === 'accept-then-reset') {
      record.response = answer.value; // what would have been sent
      req.socket.resetAndDestroy();
      this.#finish(record);
      return;
    }
    this.#write(res, record, answer);
  }
}
