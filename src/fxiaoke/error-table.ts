/**
 * Every Fxiaoke answer the bridge tells apart: envelope `errorCode`s and the gateway's HTTP
 * statuses. One row per answer: how the client classifies it (`kind`, what relay/ reads), the
 * coarse `category` of issue 12 (config, auth, recipient, content, quota, rate, transient,
 * maybe_delivered, unknown), whether it is retried, and the sentence a Slack user sees.
 *
 * Sources: /work/shared/fxiaoke-openapi.md ("Error codes" and its "Corrections" section), which
 * condenses the V2 docs, the public SDKs and a 2026 live probe (10006, 20017). Pure data: no I/O.
 *
 * No row means "already revoked" or "no such message": revoke's own codes are undocumented
 * (fxiaoke-openapi.md: "open"). So FXIAOKE_REVOKE_DONE_CODES, which settles a revoke whose answer
 * was lost, lists none by default (why: relay/revoke.ts, isDoneAnswer).
 */

export type FxiaokeErrorKind =
  | 'transient' // system busy; retried with backoff
  | 'token' // token missing/expired/rejected; refreshed and retried once
  | 'config' // credentials or settings wrong
  | 'recipient' // recipients missing/invalid/unknown
  | 'bug' // a request fx-bridge should never have built
  | 'empty_content'
  | 'rate_limited' // backed off, the endpoint paused, retried
  | 'quota' // no calls left (daily, or none bought)
  | 'permission' // the app lacks a permission in Fxiaoke admin
  | 'transport' // timeouts, resets, HTTP ≠ 200, non-JSON, malformed envelope
  | 'unknown';

export type ErrorCategory =
  | 'config'
  | 'auth'
  | 'recipient'
  | 'content'
  | 'quota'
  | 'rate'
  | 'transient'
  | 'maybe_delivered'
  | 'unknown';

/**
 * `backoff`: retried with backoff, bounded. `refresh`: the token is dropped, a new one fetched,
 * the call repeated once. `not_on_send`: retried like `backoff`, except on a send, where the
 * answer may mean "delivered" and the send is never repeated. `no`: never retried.
 */
export type RetryRule = 'backoff' | 'refresh' | 'not_on_send' | 'no';

export interface ErrorRow {
  kind: FxiaokeErrorKind;
  category: ErrorCategory;
  retry: RetryRule;
  /** Plain language, safe to show users; names the setting to check where there is one. */
  meaning: string;
}

const row = (kind: FxiaokeErrorKind, category: ErrorCategory, retry: RetryRule, meaning: string) =>
  ({ kind, category, retry, meaning }) satisfies ErrorRow;

const PERMISSION = row(
  'permission',
  'config',
  'no',
  'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)',
);
const CREDENTIAL_PARAMETER = row(
  'config',
  'config',
  'no',
  'Fxiaoke refused the credential parameters (check FXIAOKE_APP_ID, FXIAOKE_APP_SECRET and FXIAOKE_PERMANENT_CODE)',
);
const TOKEN_INVALID = row('token', 'auth', 'refresh', 'the access token is missing or expired');
const CORP_ID = row(
  'config',
  'config',
  'no',
  'Fxiaoke does not know the company id (check FXIAOKE_PERMANENT_CODE, FXIAOKE_BASE_URL and FXIAOKE_AUTH_MODE)',
);
const BAD_REQUEST = row(
  'bug',
  'config',
  'no',
  'Fxiaoke refused a parameter of the request (a bug in fx-bridge or a setting it does not expect)',
);
const DEPARTMENT = row(
  'config',
  'config',
  'no',
  'Fxiaoke does not know the department (check FXIAOKE_DIRECTORY_DEPARTMENT_ID)',
);

export const ERROR_CODES: ReadonlyMap<number, ErrorRow> = new Map<number, ErrorRow>([
  [-1, row('transient', 'transient', 'backoff', 'Fxiaoke is busy')],
  [-2, row('transient', 'transient', 'backoff', 'Fxiaoke had a system error')],
  [
    50009,
    row(
      'transient',
      'maybe_delivered',
      'not_on_send',
      'Fxiaoke timed out internally after taking the request: it may have been carried out',
    ),
  ],
  [20016, TOKEN_INVALID],
  [20005, row('token', 'auth', 'refresh', 'the app access token is missing or expired')],
  [10013, TOKEN_INVALID],
  [11014, TOKEN_INVALID],
  [
    20006,
    row(
      'config',
      'config',
      'no',
      'the appId or appSecret is wrong (check FXIAOKE_APP_ID / FXIAOKE_APP_SECRET)',
    ),
  ],
  [10006, row('config', 'config', 'no', 'the appSecret is wrong (check FXIAOKE_APP_SECRET)')],
  [20015, row('config', 'config', 'no', 'the permanent code is wrong (check FXIAOKE_PERMANENT_CODE)')],
  [
    20017,
    row(
      'config',
      'config',
      'no',
      'Fxiaoke found no valid credentials or company (check FXIAOKE_PERMANENT_CODE, FXIAOKE_BASE_URL and FXIAOKE_AUTH_MODE)',
    ),
  ],
  [10014, CORP_ID],
  [11015, CORP_ID],
  [10001, CREDENTIAL_PARAMETER],
  [10002, CREDENTIAL_PARAMETER],
  [10012, CREDENTIAL_PARAMETER],
  [11001, CREDENTIAL_PARAMETER],
  [11002, CREDENTIAL_PARAMETER],
  [11013, CREDENTIAL_PARAMETER],
  [11009, DEPARTMENT],
  [30007, DEPARTMENT],
  [10015, row('recipient', 'recipient', 'no', 'no recipients were given')],
  [11016, row('recipient', 'recipient', 'no', 'a recipient id is invalid')],
  [
    11008,
    row(
      'recipient',
      'recipient',
      'no',
      'a recipient id is invalid for this Fxiaoke connection (openUserId vs employee id: see FXIAOKE_CONVERT_USER_ID)',
    ),
  ],
  [20012, row('recipient', 'recipient', 'no', 'a recipient does not exist in Fxiaoke')],
  [30027, row('recipient', 'recipient', 'no', 'an employee does not exist in Fxiaoke')],
  [11017, row('bug', 'config', 'no', 'Fxiaoke rejected the message type (a bug in fx-bridge)')],
  [12003, row('bug', 'config', 'no', 'Fxiaoke does not support this message type (a bug in fx-bridge)')],
  [12004, row('bug', 'config', 'no', 'Fxiaoke received an empty request body (a bug in fx-bridge)')],
  [15002, BAD_REQUEST],
  [32000, BAD_REQUEST],
  [
    12002,
    row(
      'config',
      'config',
      'no',
      'Fxiaoke refused the acting user’s login state (check FXIAOKE_USER_ID and FXIAOKE_AUTH_MODE)',
    ),
  ],
  [12005, row('empty_content', 'content', 'no', 'the message text is empty')],
  [14001, row('rate_limited', 'rate', 'backoff', 'the Fxiaoke call limit was exceeded')],
  [30004, row('rate_limited', 'rate', 'backoff', 'too many Fxiaoke calls per second')],
  [
    30002,
    row('quota', 'quota', 'no', "today's Fxiaoke call quota is used up (it resets at 00:00 China time)"),
  ],
  [
    30003,
    row(
      'quota',
      'quota',
      'no',
      'the company has no Fxiaoke OpenAPI call quota (it must be bought from Fxiaoke)',
    ),
  ],
  [20014, PERMISSION],
  [20020, PERMISSION],
  [20021, PERMISSION],
  [20022, PERMISSION],
  [20023, PERMISSION],
  [15003, PERMISSION],
]);

/**
 * The gateway's own refusals (no envelope). Each means the call was stopped before Fxiaoke acted,
 * so even a send may be repeated. Other statuses are transport failures (see transport.ts).
 */
export const HTTP_STATUSES: ReadonlyMap<number, ErrorRow> = new Map<number, ErrorRow>([
  [401, row('token', 'auth', 'refresh', 'the Fxiaoke gateway rejected the access token (HTTP 401)')],
  [
    403,
    row(
      'permission',
      'config',
      'no',
      'the Fxiaoke gateway refused the call (HTTP 403: check the app’s permissions and FXIAOKE_BASE_URL)',
    ),
  ],
  [429, row('rate_limited', 'rate', 'backoff', 'the Fxiaoke gateway is rate limiting (HTTP 429)')],
]);

/** The kinds a row may carry, for tests and docs. */
export const RETRIED_KINDS: ReadonlySet<FxiaokeErrorKind> = new Set(['transient', 'rate_limited']);
