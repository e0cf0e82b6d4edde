import { randomBytes } from 'node:crypto';
import { CODE } from './codes.js';
import { storeMedia, type UploadedForm, uploadProblem } from './media.js';
import type {
  EmulatedCard,
  EmulatedMedia,
  EmulatedMessage,
  EmulatorDepartment,
  EmulatorUser,
  ResolvedEmulatorOptions,
} from './types.js';
import { fullUserView, ROOT_DEPARTMENT_ID, simpleUserView } from './users.js';

/** The emulated Fxiaoke OpenAPI, without HTTP: one call in, one envelope out. */

export const PATHS = {
  token: '/oauth2.0/token',
  legacyToken: '/cgi/corpAccessToken/get/V2',
  /** The official Java demo's path (OpenAPIUtils.getCorpToken): the same call, same answer. */
  legacyTokenV1: '/cgi/corpAccessToken/get',
  send: '/cgi/message/send',
  appSend: '/cgi/app/message/send',
  revoke: '/cgi/app/message/revoke',
  userByMobile: '/cgi/user/getByMobile',
  userList: '/cgi/user/list',
  userSimpleList: '/cgi/user/simpleList',
  userGet: '/cgi/user/get',
  /** The official Java demo walks the departments with it. */
  departmentList: '/cgi/department/list',
  /** The .NET SDK's upload path; see media.ts. */
  mediaUpload: '/media/upload',
  /** The upload path the doc page "Upload Message Material Files" names. */
  mediaUploadMessage: '/media/upload/message',
} as const;

const UPLOAD_PATHS: ReadonlySet<string> = new Set([PATHS.mediaUpload, PATHS.mediaUploadMessage]);
const OPEN_USER_ID = /^FSUID_[0-9A-Za-z]+$/;
const EMPLOYEE_ID = /^\d+$/;

export const KNOWN_PATHS: ReadonlySet<string> = new Set(Object.values(PATHS));

export const MAX_RECIPIENTS = 500;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const SUPPORTED_MSG_TYPES: ReadonlySet<string> = new Set(['text', 'composite', 'articles']);
const UNSUPPORTED_MSG_TYPES: ReadonlySet<string> = new Set(['image', 'file', 'voice', 'video']);
const CHINA_OFFSET_MS = 8 * 3600_000;

export type Envelope = Record<string, unknown> & { errorCode: number; traceId: string };

/**
 * An envelope key (never sent) listing fields whose string value is written as a bare JSON
 * number: JSON.stringify cannot write a number above 2^53 digit for digit.
 */
export const LONG_NUMBER_FIELDS = '__longNumberFields';

/** The id the emulator keeps for a message; Fxiaoke's own Qixin ids are Longs. */
function messageIdFor(location: string, seq: number, service: boolean): string {
  if (service && location === 'top-long') return String(9_007_199_254_740_993n + BigInt(seq) * 1000n);
  if (service && (location === 'top-number' || location === 'data-number'))
    return String(880_000_000_000 + seq);
  return `emumsg-${seq}-${hex(4)}`;
}

/**
 * The departments as `/cgi/department/list` shows them: the tree given, else the company root and
 * one department under it per id the users name. The root is always there.
 */
function departmentsOf(
  users: readonly EmulatorUser[],
  given: readonly EmulatorDepartment[] | undefined,
): EmulatorDepartment[] {
  const root: EmulatorDepartment = { id: ROOT_DEPARTMENT_ID, name: 'Company', parentId: 0, isStop: false };
  if (given) return given.some((d) => d.id === ROOT_DEPARTMENT_ID) ? [...given] : [root, ...given];
  const ids = new Set<number>();
  for (const user of users) for (const id of user.departmentIds ?? []) ids.add(id);
  ids.delete(ROOT_DEPARTMENT_ID);
  return [
    root,
    ...[...ids]
      .sort((a, b) => a - b)
      .map((id) => ({ id, name: `Department ${id}`, parentId: ROOT_DEPARTMENT_ID, isStop: false })),
  ];
}

/** The department and, with `fetchChild`, every department under it. */
function departmentScope(
  departments: readonly EmulatorDepartment[],
  id: number,
  fetchChild: boolean,
): Set<number> {
  const scope = new Set([id]);
  if (!fetchChild) return scope;
  let grew = true;
  while (grew) {
    grew = false;
    for (const department of departments) {
      if (scope.has(department.parentId) && !scope.has(department.id)) {
        scope.add(department.id);
        grew = true;
      }
    }
  }
  return scope;
}

export interface ApiCall {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; undefined when it was empty or not JSON. */
  body: unknown;
  /** The parsed multipart/form-data body, when it was one. */
  form?: UploadedForm;
}

type TokenKind = 'header' | 'legacy';
interface TokenRecord {
  token: string;
  kind: TokenKind;
  issuedAt: number;
  revoked: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function nonBlankString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export class FxiaokeApiModel {
  readonly #options: ResolvedEmulatorOptions;
  readonly #messages: EmulatedMessage[];
  readonly #media: EmulatedMedia[];
  #tokens = new Map<string, TokenRecord>();
  #current = new Map<TokenKind, TokenRecord>();
  #tokenFetches = 0;
  #tokensIssued = 0;
  #rateWindows = new Map<string, number[]>();
  #quota = { day: '', used: 0 };
  #traceSeq = 0;
  #messageSeq = 0;
  #mediaSeq = 0;

  constructor(options: ResolvedEmulatorOptions, messages: EmulatedMessage[], media: EmulatedMedia[] = []) {
    this.#options = options;
    this.#messages = messages;
    this.#media = media;
  }

  get tokenFetches(): number {
    return this.#tokenFetches;
  }

  get tokensIssued(): number {
    return this.#tokensIssued;
  }

  /** Successful non-token calls counted against today's (China time) quota. */
  get quotaUsed(): number {
    return this.#quota.day === this.#chinaDay() ? this.#quota.used : 0;
  }

  expireAllTokens(): void {
    for (const record of this.#tokens.values()) record.revoked = true;
    this.#current.clear();
  }

  /** Forget tokens, counters, rate windows and quota use (messages are cleared by the owner). */
  reset(): void {
    this.#tokens.clear();
    this.#current.clear();
    this.#tokenFetches = 0;
    this.#tokensIssued = 0;
    this.#rateWindows.clear();
    this.#quota = { day: '', used: 0 };
  }

  nextTraceId(): string {
    this.#traceSeq += 1;
    return `E-O.emu.${this.#traceSeq}.${hex(4)}`;
  }

  envelope(errorCode: number, errorMessage: string, fields: Record<string, unknown> = {}): Envelope {
    return this.#envelope(errorCode, errorMessage, fields, this.nextTraceId());
  }

  #envelope(
    errorCode: number,
    errorMessage: string,
    fields: Record<string, unknown>,
    traceId: string,
  ): Envelope {
    return { errorCode, errorMessage, errorDescription: errorMessage, traceId, ...fields };
  }

  #fail(errorCode: number, errorMessage: string): Envelope {
    return this.envelope(errorCode, errorMessage);
  }

  #ok(fields: Record<string, unknown> = {}, traceId = this.nextTraceId()): Envelope {
    return this.#envelope(CODE.OK, 'success', fields, traceId);
  }

  /** Answer one call to a known path with the POST method. */
  handle(call: ApiCall): Envelope {
    // Optional, as the real gateway takes calls without it (no legacy public client sends one);
    // when given it must be a UUID v4, as the docs describe it.
    const thirdTraceId = call.query.thirdTraceId ?? '';
    if (thirdTraceId !== '' && !UUID_V4.test(thirdTraceId)) {
      return this.#fail(CODE.THIRD_TRACE_ID_INVALID, 'query parameter thirdTraceId must be a UUID v4');
    }
    const contentType = headerValue(call.headers['content-type']) ?? '';
    const upload = UPLOAD_PATHS.has(call.path);
    const wanted = upload ? 'multipart/form-data' : 'application/json';
    if (!contentType.toLowerCase().includes(wanted)) {
      return this.#fail(CODE.CONTENT_TYPE_INVALID, `Content-Type must be ${wanted}, got '${contentType}'`);
    }
    if (upload && !call.form) return this.#fail(CODE.BODY_INVALID, 'the multipart body is malformed');
    // An upload carries type, and in legacy style corpAccessToken and corpId, in the query string,
    // as the .NET SDK and the doc's curl send them; the form holds only the file.
    const body = upload ? { ...call.query } : call.body;
    if (!isRecord(body)) return this.#fail(CODE.BODY_INVALID, 'the body must be a JSON object');

    if (call.path === PATHS.token) return this.#issueHeaderToken(body);
    if (call.path === PATHS.legacyToken || call.path === PATHS.legacyTokenV1)
      return this.#issueLegacyToken(body);

    const authError = this.#authenticate(call.headers, body);
    if (authError) return authError;
    const limited = this.#checkRateLimit(call.path);
    if (limited) return limited;
    if (this.#options.dailyQuota !== undefined && this.quotaUsed >= this.#options.dailyQuota) {
      return this.#fail(CODE.DAILY_QUOTA_EXCEEDED, 'daily call quota used up');
    }
    const answer =
      upload && call.form
        ? this.#upload(call.form, call.query, thirdTraceId)
        : this.#route(call.path, body, thirdTraceId, call.headers);
    if (answer.errorCode === CODE.OK) this.#countQuota();
    return answer;
  }

  // ---- tokens ----

  #checkCredentials(body: Record<string, unknown>): Envelope | undefined {
    const o = this.#options;
    if (body.appId !== o.appId) return this.#fail(CODE.APP_CREDENTIALS_WRONG, 'appId is wrong');
    // The code a 2026 live probe got for a wrong appSecret.
    if (body.appSecret !== o.appSecret) return this.#fail(CODE.APP_SECRET_WRONG, 'appSecret is wrong');
    if (body.permanentCode !== o.permanentCode) {
      return this.#fail(CODE.PERMANENT_CODE_WRONG, 'permanentCode is wrong');
    }
    return undefined;
  }

  /** Same token within tokenReuseSeconds of its issue, a new one after; expiresIn = seconds left. */
  #issue(kind: TokenKind): { token: string; expiresIn: number } {
    const now = this.#options.now();
    const ttlMs = this.#options.tokenTtlSeconds * 1000;
    let record = this.#current.get(kind);
    if (!record || record.revoked || now - record.issuedAt >= this.#options.tokenReuseSeconds * 1000) {
      const prefix = kind === 'header' ? 'emu-at' : 'emu-cat';
      record = {
        token: `${prefix}-${this.#tokensIssued + 1}-${hex(12)}`,
        kind,
        issuedAt: now,
        revoked: false,
      };
      this.#tokens.set(record.token, record);
      this.#current.set(kind, record);
      this.#tokensIssued += 1;
    }
    this.#tokenFetches += 1;
    return {
      token: record.token,
      expiresIn: Math.max(0, Math.floor((ttlMs - (now - record.issuedAt)) / 1000)),
    };
  }

  #issueHeaderToken(body: Record<string, unknown>): Envelope {
    const wrong = this.#checkCredentials(body);
    if (wrong) return wrong;
    if (body.grantType !== 'app_secret')
      return this.#fail(CODE.PARAM_INVALID, "grantType must be 'app_secret'");
    const { token, expiresIn } = this.#issue('header');
    const o = this.#options;
    return this.#ok({ accessToken: token, expiresIn, ea: o.ea, appId: o.appId, openUserId: o.corpId });
  }

  #issueLegacyToken(body: Record<string, unknown>): Envelope {
    const wrong = this.#checkCredentials(body);
    if (wrong) return wrong;
    const { token, expiresIn } = this.#issue('legacy');
    return this.#ok({ corpAccessToken: token, corpId: this.#options.corpId, expiresIn });
  }

  #tokenValid(token: string | undefined, kind: TokenKind): boolean {
    if (token === undefined) return false;
    const record = this.#tokens.get(token);
    if (!record || record.kind !== kind || record.revoked) return false;
    return this.#options.now() - record.issuedAt <= this.#options.tokenTtlSeconds * 1000;
  }

  /**
   * Header style when an authorization header is present, else body style when the body carries
   * corpAccessToken. Tokens of one style are not accepted in the other (20016).
   */
  #authenticate(headers: ApiCall['headers'], body: Record<string, unknown>): Envelope | undefined {
    const authorization = headerValue(headers.authorization);
    if (authorization !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      if (!this.#tokenValid(token, 'header'))
        return this.#fail(CODE.TOKEN_INVALID, 'accessToken invalid or expired');
      if (headerValue(headers['x-fs-ea']) !== this.#options.ea) {
        return this.#fail(CODE.CORP_NOT_FOUND, 'x-fs-ea does not name this company');
      }
      const userId = headerValue(headers['x-fs-userid']);
      if (userId === undefined || !/^\d+$/.test(userId)) {
        return this.#fail(CODE.USER_ID_HEADER_INVALID, 'x-fs-userid must be a numeric employee id');
      }
      return undefined;
    }
    if (body.corpAccessToken !== undefined) {
      const token = typeof body.corpAccessToken === 'string' ? body.corpAccessToken : undefined;
      if (!this.#tokenValid(token, 'legacy')) {
        return this.#fail(CODE.TOKEN_INVALID, 'corpAccessToken invalid or expired');
      }
      if (body.corpId !== this.#options.corpId) return this.#fail(CODE.CORP_NOT_FOUND, 'corpId not found');
      return undefined;
    }
    // What a live probe without any credentials got.
    return this.#fail(CODE.CORP_NOT_FOUND, 'no authentication');
  }

  // ---- limits ----

  #checkRateLimit(path: string): Envelope | undefined {
    const limit = this.#options.rateLimit;
    if (!limit) return undefined;
    const now = this.#options.now();
    const window = (this.#rateWindows.get(path) ?? []).filter((t) => now - t < limit.windowMs);
    this.#rateWindows.set(path, window);
    if (window.length >= limit.calls) return this.#fail(CODE.FREQUENCY_EXCEEDED, 'call frequency exceeded');
    window.push(now);
    return undefined;
  }

  #chinaDay(): string {
    return new Date(this.#options.now() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
  }

  #countQuota(): void {
    const day = this.#chinaDay();
    if (this.#quota.day !== day) this.#quota = { day, used: 0 };
    this.#quota.used += 1;
  }

  // ---- endpoints ----

  #route(
    path: string,
    body: Record<string, unknown>,
    thirdTraceId: string,
    headers: ApiCall['headers'],
  ): Envelope {
    const style: TokenKind = headerValue(headers.authorization) === undefined ? 'legacy' : 'header';
    switch (path) {
      case PATHS.send:
        return this.#send(path, body, thirdTraceId, undefined, style);
      case PATHS.appSend: {
        const serviceId = body.serviceId;
        if (typeof serviceId !== 'string' || !this.#options.serviceIds.includes(serviceId)) {
          return this.#fail(CODE.NO_PERMISSION, 'serviceId is not a service account of this app');
        }
        return this.#send(path, body, thirdTraceId, serviceId, style);
      }
      case PATHS.departmentList:
        return this.#ok({
          departments: departmentsOf(this.#options.users, this.#options.departments).map((d) => ({
            id: d.id,
            name: d.name,
            parentId: d.parentId,
            isStop: d.isStop ?? false,
            order: d.order ?? 0,
          })),
        });
      case PATHS.revoke:
        return this.#revoke(body);
      case PATHS.userByMobile: {
        const mobile = nonBlankString(body.mobile);
        if (mobile === undefined) return this.#fail(CODE.PARAM_INVALID, 'mobile is required');
        return this.#ok({
          empList: this.#options.users.filter((u) => u.mobile === mobile).map(fullUserView),
        });
      }
      case PATHS.userList:
      case PATHS.userSimpleList: {
        const departmentId = Number(body.departmentId);
        if (body.departmentId === undefined || body.departmentId === '' || !Number.isInteger(departmentId)) {
          return this.#fail(CODE.PARAM_INVALID, 'departmentId must be an integer');
        }
        // 999999 (the .NET SDK) and 0 (PHP clients) both name the whole company, with fetchChild.
        // Sub-departments are included only when fetchChild is true, as on a real tenant.
        const fetchChild = body.fetchChild === true;
        const departments = departmentsOf(this.#options.users, this.#options.departments);
        const id = departmentId === 0 ? ROOT_DEPARTMENT_ID : departmentId;
        if (!departments.some((d) => d.id === id)) {
          return this.#fail(CODE.DEPARTMENT_INVALID, `department not found: ${departmentId}`);
        }
        const scope = departmentScope(departments, id, fetchChild);
        const whole = id === ROOT_DEPARTMENT_ID && fetchChild;
        const users = this.#options.users.filter(
          (u) => whole || (u.departmentIds ?? []).some((d) => scope.has(d)),
        );
        const view = path === PATHS.userList ? fullUserView : simpleUserView;
        return this.#ok({ userList: users.map(view) });
      }
      case PATHS.userGet: {
        const openUserId = nonBlankString(body.openUserId);
        if (openUserId === undefined) return this.#fail(CODE.PARAM_INVALID, 'openUserId is required');
        const user = this.#options.users.find((u) => u.openUserId === openUserId);
        if (!user) return this.#fail(CODE.USER_NOT_FOUND, `user not found: ${openUserId}`);
        return this.#ok(fullUserView(user));
      }
      default:
        throw new Error(`FxiaokeApiModel: no route for ${path}`);
    }
  }

  /** openUserIds match `openUserId`, employee ids `employeeId`: the form was checked before. */
  #findUser(id: string): EmulatorUser | undefined {
    return this.#options.users.find((u) => u.openUserId === id || u.employeeId === id);
  }

  /**
   * Which id form `toUser` must hold: header style reads employee ids unless the body says
   * `convertUserId: true` (V2 docs, via a transcription); legacy style takes openUserIds.
   */
  #wrongIdForm(ids: readonly string[], body: Record<string, unknown>, style: TokenKind): string | undefined {
    const openIds = style === 'legacy' || body.convertUserId === true;
    const form = openIds ? OPEN_USER_ID : EMPLOYEE_ID;
    return ids.find((id) => !form.test(id));
  }

  /** Validates the message and returns its content, or the error envelope. */
  #content(body: Record<string, unknown>): string | Envelope {
    const msgType = body.msgType;
    if (typeof msgType !== 'string' || !SUPPORTED_MSG_TYPES.has(msgType)) {
      if (typeof msgType === 'string' && UNSUPPORTED_MSG_TYPES.has(msgType)) {
        return this.#fail(CODE.MSG_TYPE_UNSUPPORTED, `msgType '${msgType}' is not supported`);
      }
      return this.#fail(CODE.MSG_TYPE_INVALID, `msgType invalid: ${JSON.stringify(msgType)}`);
    }
    const empty = (): Envelope => this.#fail(CODE.CONTENT_EMPTY, 'message content is empty');
    const invalid = (what: string): Envelope => this.#fail(CODE.PARAMETER_INVALID, what);
    if (msgType === 'text') {
      const text = body.text;
      return (isRecord(text) && nonBlankString(text.content)) || empty();
    }
    if (msgType === 'composite') return this.#card(body.composite);
    const articles = body.articles;
    if (!Array.isArray(articles) || articles.length === 0 || articles.length > 7) return empty();
    const titles: string[] = [];
    for (const article of articles) {
      if (!isRecord(article)) return empty();
      const title = nonBlankString(article.title);
      if (title === undefined || nonBlankString(article.content) === undefined) return empty();
      // The .NET SDK's MessageArticle: title ≤ 45, author ≤ 8, description ≤ 140 characters.
      if ([...title].length > 45) return invalid('articles: title longer than 45 characters');
      if (typeof article.author === 'string' && [...article.author].length > 8)
        return invalid('articles: author longer than 8 characters');
      if (typeof article.description === 'string' && [...article.description].length > 140)
        return invalid('articles: description longer than 140 characters');
      titles.push(title);
    }
    const covers = articles.map((a) => (isRecord(a) ? a.coverImage : undefined));
    const unknownCover = covers.find(
      (cover) => cover !== undefined && !this.#media.some((media) => media.mediaId === cover),
    );
    if (unknownCover !== undefined) {
      return this.#fail(
        CODE.MEDIA_NOT_FOUND,
        `coverImage is not an uploaded mediaId: ${String(unknownCover)}`,
      );
    }
    return titles.join('\n');
  }

  /**
   * A card as the doc page "Send Compound Message" and the .NET SDK's MessageComposite shape it:
   * under `composite`; `head.title` required (12005 without it, like an empty text); `link` with
   * `title` and `url` required; `first`/`remark` objects with a string `content`, `form` a list of
   * string `label`/`value` pairs, when present. Any other shape answers 15002. Returns the head title.
   */
  #card(card: unknown): string | Envelope {
    const invalid = (what: string): Envelope => this.#fail(CODE.PARAMETER_INVALID, `composite: ${what}`);
    if (!isRecord(card)) return invalid('the card must be an object under `composite`');
    const head = card.head;
    const title = isRecord(head) ? nonBlankString(head.title) : undefined;
    if (title === undefined) return this.#fail(CODE.CONTENT_EMPTY, 'composite.head.title is empty');
    const link = card.link;
    if (!isRecord(link) || nonBlankString(link.title) === undefined || nonBlankString(link.url) === undefined)
      return invalid('link needs title and url');
    for (const part of ['first', 'remark'] as const) {
      const value = card[part];
      if (value !== undefined && !(isRecord(value) && typeof value.content === 'string'))
        return invalid(`${part} must be {content: string}`);
    }
    const form = card.form;
    if (
      form !== undefined &&
      !(
        Array.isArray(form) &&
        form.every((row) => isRecord(row) && typeof row.label === 'string' && typeof row.value === 'string')
      )
    )
      return invalid('form must be a list of {label, value} strings');
    return title;
  }

  #send(
    path: string,
    body: Record<string, unknown>,
    thirdTraceId: string,
    serviceId: string | undefined,
    style: TokenKind,
  ): Envelope {
    const toUser = body.toUser;
    if (!Array.isArray(toUser) || toUser.length === 0)
      return this.#fail(CODE.TO_USER_MISSING, 'toUser is missing');
    if (toUser.length > MAX_RECIPIENTS) {
      return this.#fail(
        CODE.TO_USER_INVALID,
        `toUser has ${toUser.length} entries, at most ${MAX_RECIPIENTS}`,
      );
    }
    const recipients: string[] = [];
    for (const entry of toUser) {
      if (nonBlankString(entry) === undefined) {
        return this.#fail(CODE.TO_USER_INVALID, `toUser entry invalid: ${JSON.stringify(entry)}`);
      }
      recipients.push(String(entry));
    }
    const wrongForm = this.#wrongIdForm(recipients, body, style);
    if (wrongForm !== undefined) {
      return this.#fail(
        CODE.OPEN_USER_ID_INVALID,
        `toUser id invalid for this call (convertUserId: ${String(body.convertUserId === true)}): ${wrongForm}`,
      );
    }
    const content = this.#content(body);
    if (typeof content !== 'string') return content;
    const unknown = recipients.filter((id) => !this.#findUser(id));
    if (unknown.length > 0) return this.#fail(CODE.USER_NOT_FOUND, `user not found: ${unknown.join(', ')}`);
    const stopped = recipients.filter((id) => this.#findUser(id)?.isStop);
    if (stopped.length > 0)
      return this.#fail(CODE.EMPLOYEE_NOT_FOUND, `employee stopped: ${stopped.join(', ')}`);

    const location = this.#options.messageIdLocation;
    this.#messageSeq += 1;
    const messageId = messageIdFor(location, this.#messageSeq, serviceId !== undefined);
    const traceId = this.nextTraceId();
    this.#messages.push({
      messageId,
      ...(serviceId === undefined ? {} : { serviceId }),
      toUser: recipients,
      msgType: String(body.msgType),
      content,
      ...(body.msgType === 'composite' ? { card: structuredClone(body.composite) as EmulatedCard } : {}),
      body,
      revoked: false,
      thirdTraceId,
      traceId,
      at: this.#options.now(),
      path,
    });
    // The documented answer of a send is the envelope alone; the switches place an id for tests.
    if (serviceId === undefined) return this.#ok({}, traceId);
    switch (location) {
      case 'top':
        return this.#ok({ messageId }, traceId);
      case 'data':
        return this.#ok({ data: { messageId } }, traceId);
      case 'top-number':
        return this.#ok({ messageId: Number(messageId) }, traceId);
      case 'data-number':
        return this.#ok({ data: { messageId: Number(messageId) } }, traceId);
      case 'top-long':
        // Above 2^53: written as a bare JSON number, digit for digit (see LONG_NUMBER_FIELDS).
        return this.#ok({ messageId, [LONG_NUMBER_FIELDS]: ['messageId'] }, traceId);
      case 'none':
        return this.#ok({}, traceId);
    }
  }

  #upload(form: UploadedForm, query: Record<string, string>, thirdTraceId: string): Envelope {
    const problem = uploadProblem(form, query);
    if (problem) return this.#fail(CODE.PARAM_INVALID, problem);
    this.#mediaSeq += 1;
    const traceId = this.nextTraceId();
    const { mediaId } = storeMedia(this.#media, form, query, {
      mediaId: `emumedia-${this.#mediaSeq}-${hex(4)}`,
      traceId,
      thirdTraceId,
      at: this.#options.now(),
    });
    switch (this.#options.mediaIdLocation) {
      case 'top':
        return this.#ok({ mediaId }, traceId);
      case 'data':
        return this.#ok({ data: { mediaId } }, traceId);
      case 'none':
        return this.#ok({}, traceId);
    }
  }

  #revoke(body: Record<string, unknown>): Envelope {
    const serviceId = body.serviceId;
    if (typeof serviceId !== 'string' || !this.#options.serviceIds.includes(serviceId)) {
      return this.#fail(CODE.NO_PERMISSION, 'serviceId is not a service account of this app');
    }
    const raw = body.messageId;
    if ((typeof raw !== 'string' && typeof raw !== 'number') || String(raw).trim() === '') {
      return this.#fail(CODE.PARAM_INVALID, 'messageId is required');
    }
    const messageId = String(raw);
    const message = this.#messages.find((m) => m.messageId === messageId);
    if (!message) return this.#fail(CODE.MESSAGE_NOT_FOUND, `message not found: ${messageId}`);
    if (message.serviceId !== serviceId) {
      return this.#fail(CODE.MESSAGE_NOT_OWNED, 'message was not sent through this service account');
    }
    if (message.revoked) return this.#fail(CODE.MESSAGE_ALREADY_REVOKED, 'message already revoked');
    const now = this.#options.now();
    const window = this.#options.revokeWindowMs;
    if (window !== undefined && now - message.at > window) {
      return this.#fail(CODE.REVOKE_WINDOW_ELAPSED, 'message too old to revoke');
    }
    message.revoked = true;
    message.revokedAt = now;
    return this.#ok();
  }
}
