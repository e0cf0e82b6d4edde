/** Public types of the Fxiaoke emulator. Import them from `dev/fakes/fxiaoke-emulator.js`. */

export interface EmulatorUser {
  openUserId: string;
  /**
   * CRM employee id, a numeric string such as '1000': header-mode `toUser` names it. Not shown by the
   * address-book calls (no public model of them has such a field); see `fields`.
   */
  employeeId?: string;
  /** Extra fields the address-book calls show as they are, e.g. `{ employeeNumber: 'E001' }`. */
  fields?: Record<string, unknown>;
  name: string;
  mobile?: string;
  email?: string;
  nickName?: string;
  /** The employee left or is disabled: sending to them answers 30027. */
  isStop?: boolean;
  departmentIds?: number[];
}

/** A department as `/cgi/department/list` shows it; users name theirs in `departmentIds`. */
export interface EmulatorDepartment {
  id: number;
  name: string;
  /** The parent department; the root (999999) has parentId 0. */
  parentId: number;
  /** Stopped (disabled) in Fxiaoke. Default false. */
  isStop?: boolean;
  order?: number;
}

/** Where `/cgi/app/message/send` puts the message id (an open point of the real API). */
export type MessageIdLocation = 'top' | 'data' | 'top-number' | 'data-number' | 'top-long' | 'none';

/** Where `/media/upload` puts the mediaId (undocumented; SDKs read it at the top level). */
export type MediaIdLocation = 'top' | 'data' | 'none';

/** One accepted `/media/upload`, with the bytes exactly as received. */
export interface EmulatedMedia {
  mediaId: string;
  /** The `type` form field, e.g. 'image'. */
  type: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
  traceId: string;
  thirdTraceId: string;
  at: number;
}

export type Fault =
  /** Delay, then answer normally. */
  | { type: 'latency'; ms: number }
  /** Accept the request and never answer (the socket stays open until the client gives up or stop()). */
  | { type: 'timeout' }
  /** Destroy the socket with a TCP RST without answering (ECONNRESET on the client). */
  | { type: 'reset' }
  /**
   * Answer with this HTTP status and body (default: a small HTML page), like a gateway would: 401
   * (token rejected), 403, 429 (with `headers: {'retry-after': '1'}`), 5xx. Nothing is processed.
   */
  | { type: 'http'; status: number; body?: string; headers?: Record<string, string> }
  /** HTTP 200 with body '<html>gateway</html>'. */
  | { type: 'non-json' }
  /** Envelope error, HTTP 200, with a traceId. */
  | { type: 'error'; errorCode: number; errorMessage?: string }
  /** Process the call fully (a message IS delivered and recorded), then reset: the "lost response" case. */
  | { type: 'accept-then-reset' }
  /**
   * Process the call fully (a message IS delivered), then answer this errorCode (default 50009,
   * "internal timeout") instead of success: what public clients call "outcome unknown".
   */
  | { type: 'error-after-delivery'; errorCode?: number };

export interface FaultRule {
  fault: Fault;
  /** Exact path such as '/cgi/message/send'; undefined = any path. */
  path?: string;
  /** How many requests it applies to; default 1; Infinity allowed. */
  times?: number;
}

export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Exactly as Node received them (lower-cased names). */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** A multipart body's text fields and files (sizes only; the bytes are in `emulator.media`). */
  form?: {
    fields: Record<string, string>;
    files: Array<{ field: string; fileName: string; contentType: string; size: number }>;
  };
  /** Arrival time, from the emulator clock. */
  at: number;
  /** HTTP status sent; undefined while pending or when no answer was sent (timeout, resets). */
  status?: number;
  /** JSON value sent (the text for non-JSON answers); for 'accept-then-reset', what WOULD have been sent. */
  response?: unknown;
  fault?: Fault['type'];
}

/** A card (`msgType: "composite"`) as Fxiaoke took it. */
export interface EmulatedCard {
  head: { title: string };
  first?: { content: string };
  form?: Array<{ label: string; value: string }>;
  remark?: { content: string };
  link: { title: string; url: string };
}

export interface EmulatedMessage {
  /** Generated for every accepted send; returned only by `/cgi/app/message/send` (per messageIdLocation). */
  messageId: string;
  /** Set for service-account sends only. */
  serviceId?: string;
  /** Recipients exactly as given in the request (openUserIds or employeeIds). */
  toUser: string[];
  msgType: string;
  /** Text content; for 'composite' the head title; for 'articles' the titles joined by newlines. */
  content: string;
  /** A 'composite' message's card, as received (it passed the emulator's shape checks). */
  card?: EmulatedCard;
  /** The whole request body. */
  body: unknown;
  revoked: boolean;
  revokedAt?: number;
  thirdTraceId: string;
  /** traceId of the success answer. */
  traceId: string;
  at: number;
  path: string;
}

export interface RateLimit {
  calls: number;
  windowMs: number;
}

export interface EmulatorOptions {
  /** Default 'FSAID_test0001'. */
  appId?: string;
  /** Default 'test-app-secret'. */
  appSecret?: string;
  /** Default 'test-permanent-code'. */
  permanentCode?: string;
  /** Default 'fs123'. */
  ea?: string;
  /** Default 'FSCID_test'. */
  corpId?: string;
  /** Valid service accounts; default ['FSAID_svc0001']. */
  serviceIds?: string[];
  /** The directory; default `defaultUsers()` (generateUsers(5) plus one stopped user). */
  users?: EmulatorUser[];
  /**
   * The department tree (the root 999999 is added when missing). Default: one "Department <id>"
   * under the root for each id the users name.
   */
  departments?: EmulatorDepartment[];
  /** Default 7200. */
  tokenTtlSeconds?: number;
  /** Default 6600: asking again within this many seconds of issue returns the same token. */
  tokenReuseSeconds?: number;
  /**
   * Default 'none': the documented answer of a send is the envelope alone. 'top'/'data' (string),
   * 'top-number'/'data-number' (a JSON number), 'top-long' (a number above 2^53) place an id.
   */
  messageIdLocation?: MessageIdLocation;
  /** Default 'top'. */
  mediaIdLocation?: MediaIdLocation;
  /** Per endpoint path (non-token endpoints only), sliding window; exceeding answers 30004. Default none. */
  rateLimit?: RateLimit;
  /** Successful non-token calls per China (UTC+8) day; beyond answers 30002. Default none. */
  dailyQuota?: number;
  /** Extra (emulator-only): revoking a message older than this answers 90410. Default: no window. */
  revokeWindowMs?: number;
  /** Default 0 (any free port). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Clock in ms; default Date.now. Tests fake it for token expiry, rate windows and quota days. */
  now?: () => number;
  /** Extra: called once per request when it is finished (answered, faulted or left hanging). */
  onRequest?: (request: RecordedRequest) => void;
}

export interface ResolvedEmulatorOptions {
  appId: string;
  appSecret: string;
  permanentCode: string;
  ea: string;
  corpId: string;
  serviceIds: string[];
  /** The live directory (addUser() appends here). */
  users: EmulatorUser[];
  /** The department tree as given (undefined: derived from the users' departmentIds). */
  departments: EmulatorDepartment[] | undefined;
  tokenTtlSeconds: number;
  tokenReuseSeconds: number;
  /** Current value (setMessageIdLocation() updates it). */
  messageIdLocation: MessageIdLocation;
  /** Current value (setMediaIdLocation() updates it). */
  mediaIdLocation: MediaIdLocation;
  /** Current value (setRateLimit() updates it). */
  rateLimit: RateLimit | undefined;
  /** Current value (setDailyQuota() updates it). */
  dailyQuota: number | undefined;
  revokeWindowMs: number | undefined;
  /** The port actually bound. */
  port: number;
  host: string;
  now: () => number;
}
