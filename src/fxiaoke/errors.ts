/**
 * Fxiaoke failures. Pure module (no undici) so relay/ can read errors without the HTTP client.
 * Branch only on `errorCode`, never on Fxiaoke's `errorMessage` (it may change).
 */

export type FxiaokeErrorKind =
  | 'transient' // -1, -2, 50009: system busy; retried with backoff
  | 'token' // 20016, 20005: token missing/expired; refreshed and retried once
  | 'config' // 20006, 20015, 20017: credentials wrong
  | 'recipient' // 10015, 11016, 20012, 30027: recipients missing/invalid/unknown
  | 'bug' // 11017, 12003: msgType invalid — our bug
  | 'empty_content' // 12005
  | 'rate_limited' // 14001, 30004: backed off and retried
  | 'quota' // 30002: daily quota used up
  | 'permission' // 20014, 20020–20023, 15003
  | 'transport' // timeouts, resets, HTTP ≠ 200, non-JSON, malformed envelope
  | 'unknown';

interface CodeInfo {
  kind: FxiaokeErrorKind;
  meaning: string;
}

const CODES: ReadonlyMap<number, CodeInfo> = new Map<number, CodeInfo>([
  [-1, { kind: 'transient', meaning: 'Fxiaoke is busy' }],
  [-2, { kind: 'transient', meaning: 'Fxiaoke had a system error' }],
  [50009, { kind: 'transient', meaning: 'Fxiaoke timed out internally' }],
  [20016, { kind: 'token', meaning: 'the access token is missing or expired' }],
  [20005, { kind: 'token', meaning: 'the app access token is missing or expired' }],
  [
    20006,
    {
      kind: 'config',
      meaning: 'the appId or appSecret is wrong (check FXIAOKE_APP_ID / FXIAOKE_APP_SECRET)',
    },
  ],
  [20015, { kind: 'config', meaning: 'the permanent code is wrong (check FXIAOKE_PERMANENT_CODE)' }],
  [
    20017,
    {
      kind: 'config',
      meaning: 'the company was not found (check FXIAOKE_PERMANENT_CODE and FXIAOKE_BASE_URL)',
    },
  ],
  [10015, { kind: 'recipient', meaning: 'no recipients were given' }],
  [11016, { kind: 'recipient', meaning: 'a recipient id is invalid' }],
  [20012, { kind: 'recipient', meaning: 'a recipient does not exist in Fxiaoke' }],
  [30027, { kind: 'recipient', meaning: 'an employee does not exist in Fxiaoke' }],
  [11017, { kind: 'bug', meaning: 'Fxiaoke rejected the message type (a bug in fx-bridge)' }],
  [12003, { kind: 'bug', meaning: 'Fxiaoke does not support this message type (a bug in fx-bridge)' }],
  [12005, { kind: 'empty_content', meaning: 'the message text is empty' }],
  [14001, { kind: 'rate_limited', meaning: 'the Fxiaoke call limit was exceeded' }],
  [30004, { kind: 'rate_limited', meaning: 'too many Fxiaoke calls per second' }],
  [
    30002,
    { kind: 'quota', meaning: "today's Fxiaoke call quota is used up (it resets at 00:00 China time)" },
  ],
  [20014, { kind: 'permission', meaning: 'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)' }],
  [20020, { kind: 'permission', meaning: 'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)' }],
  [20021, { kind: 'permission', meaning: 'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)' }],
  [20022, { kind: 'permission', meaning: 'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)' }],
  [20023, { kind: 'permission', meaning: 'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)' }],
  [15003, { kind: 'permission', meaning: 'the Fxiaoke app lacks a permission (grant it in Fxiaoke admin)' }],
]);

export function describeErrorCode(code: number): CodeInfo {
  return CODES.get(code) ?? { kind: 'unknown', meaning: `Fxiaoke answered with error code ${code}` };
}

const RETRYABLE_KINDS: ReadonlySet<FxiaokeErrorKind> = new Set(['transient', 'rate_limited']);

export class FxiaokeError extends Error {
  readonly code = 'fxiaoke_error';
  /** Fxiaoke `errorCode`; undefined for transport failures. */
  readonly errorCode: number | undefined;
  readonly kind: FxiaokeErrorKind;
  /** Plain-language meaning, safe to show users. */
  readonly meaning: string;
  readonly traceId: string | undefined;
  readonly thirdTraceId: string | undefined;
  /** The API path that failed, e.g. `/cgi/message/send`. */
  readonly path: string;
  /** Fxiaoke's own errorMessage, for logs and display only. */
  readonly upstreamMessage: string | undefined;
  /**
   * For transport failures: whether the request may have reached Fxiaoke. A send whose outcome
   * is unknown must never be retried blindly (it could deliver twice).
   */
  readonly mayHaveBeenDelivered: boolean;

  constructor(init: {
    path: string;
    errorCode?: number;
    kind?: FxiaokeErrorKind;
    meaning?: string;
    traceId?: string;
    thirdTraceId?: string;
    upstreamMessage?: string;
    mayHaveBeenDelivered?: boolean;
    cause?: unknown;
  }) {
    const described = init.errorCode === undefined ? undefined : describeErrorCode(init.errorCode);
    const kind = init.kind ?? described?.kind ?? 'unknown';
    const meaning = init.meaning ?? described?.meaning ?? 'Fxiaoke could not be reached';
    const codePart = init.errorCode === undefined ? '' : ` (errorCode ${init.errorCode})`;
    const tracePart = init.traceId ? ` [traceId ${init.traceId}]` : '';
    super(`${init.path}: ${meaning}${codePart}${tracePart}`, { cause: init.cause });
    this.name = 'FxiaokeError';
    this.path = init.path;
    this.errorCode = init.errorCode;
    this.kind = kind;
    this.meaning = meaning;
    this.traceId = init.traceId;
    this.thirdTraceId = init.thirdTraceId;
    this.upstreamMessage = init.upstreamMessage;
    this.mayHaveBeenDelivered = init.mayHaveBeenDelivered ?? false;
  }

  /**
   * Safe to retry whatever the call: Fxiaoke answered that it did not act (busy, rate limited),
   * or the request never left this machine. The client also retries ambiguous transport failures
   * of calls that are safe to repeat (token fetches); see retry.ts.
   */
  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind) || (this.kind === 'transport' && !this.mayHaveBeenDelivered);
  }
}

export function isFxiaokeError(error: unknown): error is FxiaokeError {
  return error instanceof FxiaokeError;
}

/**
 * Fxiaoke's errorMessage is shown to users and logged; gateways have been seen echoing request
 * fields, so every credential is cut out of it first.
 */
export function redactSecrets(
  text: string | undefined,
  secrets: readonly (string | undefined)[],
): string | undefined {
  if (!text) return text;
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}
