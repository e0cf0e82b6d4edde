/**
 * The Fxiaoke adapter behind `FxiaokeApi`: authenticated calls with token refresh, bounded
 * retries, zod-checked answers and `FxiaokeError` for every failure.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FxiaokeError } from './errors.js';
import {
  type FxiaokeApi,
  MAX_RECIPIENTS_PER_CALL,
  type MessageIdSource,
  type RevokeResult,
  type SendTextOptions,
  type SendTextResult,
} from './interface.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, shouldRetry } from './retry.js';
import { appSendSchema, type Envelope } from './schemas.js';
import { type FxiaokeCredentials, TokenManager } from './token-manager.js';
import { FxiaokeTransport, type TransportResponse } from './transport.js';

export const FXIAOKE_PATHS = {
  send: '/cgi/message/send',
  appSend: '/cgi/app/message/send',
  revoke: '/cgi/app/message/revoke',
} as const;

export interface FxiaokeClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  permanentCode: string;
  authMode: 'header' | 'legacy';
  /** Acting CRM employee id (`x-fs-userid`), required in header mode. */
  userId?: string;
  serviceId?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  /** Injected in tests so backoff does not slow them down. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onToken?: (token: string) => void;
  /** Observes every finished HTTP call (metrics, logs). */
  onCall?: (event: FxiaokeCallEvent) => void;
}

export interface FxiaokeCallEvent {
  path: string;
  durationMs: number;
  errorCode: number | undefined;
  traceId: string | undefined;
  outcome: 'ok' | 'error' | 'transport';
}

interface CallOptions {
  safeToRepeat: boolean;
  thirdTraceId?: string;
}

export interface CallResult extends TransportResponse {
  traceId: string | undefined;
}

export class FxiaokeClient implements FxiaokeApi {
  readonly serviceId: string | undefined;
  readonly tokens: TokenManager;
  private readonly transport: FxiaokeTransport;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: FxiaokeClientOptions) {
    if (options.authMode === 'header' && !options.userId) {
      throw new Error('FxiaokeClient: header auth needs userId (FXIAOKE_USER_ID)');
    }
    this.serviceId = options.serviceId;
    this.transport = new FxiaokeTransport({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    this.tokens = new TokenManager({
      transport: this.transport,
      authMode: options.authMode,
      appId: options.appId,
      appSecret: options.appSecret,
      permanentCode: options.permanentCode,
      now: options.now,
      onToken: options.onToken,
    });
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
  }

  async sendText(
    toUser: readonly string[],
    content: string,
    options: SendTextOptions = {},
  ): Promise<SendTextResult> {
    if (toUser.length === 0 || toUser.length > MAX_RECIPIENTS_PER_CALL) {
      throw new RangeError(`sendText takes 1–${MAX_RECIPIENTS_PER_CALL} recipients, got ${toUser.length}`);
    }
    const path = this.serviceId ? FXIAOKE_PATHS.appSend : FXIAOKE_PATHS.send;
    const body: Record<string, unknown> = { toUser: [...toUser], msgType: 'text', text: { content } };
    if (this.serviceId) body.serviceId = this.serviceId;
    const result = await this.call(path, body, { safeToRepeat: false, thirdTraceId: options.thirdTraceId });
    const { messageId, messageIdSource } = this.serviceId
      ? extractMessageId(result.envelope, result.rawBody)
      : { messageId: undefined, messageIdSource: 'none' as const };
    return { traceId: result.traceId, thirdTraceId: result.thirdTraceId, messageId, messageIdSource };
  }

  async revoke(messageId: string): Promise<RevokeResult> {
    if (!this.serviceId) throw new Error('revoke needs a service account (FXIAOKE_SERVICE_ID)');
    // Not repeated on an ambiguous failure: a revoke that did land would answer an error the second time.
    const result = await this.call(
      FXIAOKE_PATHS.revoke,
      { serviceId: this.serviceId, messageId },
      { safeToRepeat: false },
    );
    return { traceId: result.traceId, thirdTraceId: result.thirdTraceId };
  }

  async checkCredentials(): Promise<void> {
    await this.tokens.get();
  }

  /** Authenticated call with one token refresh on 20016/20005 and bounded retries. */
  async call(path: string, body: Record<string, unknown>, options: CallOptions): Promise<CallResult> {
    let refreshedToken = false;
    let thirdTraceId = options.thirdTraceId;
    for (let attempt = 0; ; attempt++) {
      let credentials: FxiaokeCredentials | undefined;
      try {
        credentials = await this.tokens.get();
        return await this.attempt(path, body, credentials, thirdTraceId);
      } catch (error) {
        if (!(error instanceof FxiaokeError)) throw error;
        if (error.kind === 'token' && credentials && !refreshedToken) {
          refreshedToken = true;
          this.tokens.invalidate(credentials);
          attempt--; // the refresh is not one of the bounded retries
        } else if (attempt < this.policy.maxRetries && shouldRetry(error, options.safeToRepeat)) {
          await this.sleep(backoffDelay(error, attempt, this.policy, this.random));
        } else {
          throw error;
        }
        // Every request carries a fresh thirdTraceId, as the docs ask.
        thirdTraceId = undefined;
      }
    }
  }

  private async attempt(
    path: string,
    body: Record<string, unknown>,
    credentials: FxiaokeCredentials,
    thirdTraceId: string | undefined,
  ): Promise<CallResult> {
    const headers: Record<string, string> = {};
    let payload = body;
    if (credentials.style === 'header') {
      headers.authorization = `Bearer ${credentials.accessToken}`;
      headers['x-fs-ea'] = credentials.ea;
      headers['x-fs-userid'] = this.options.userId ?? '';
    } else {
      payload = { corpAccessToken: credentials.corpAccessToken, corpId: credentials.corpId, ...body };
    }
    const started = performance.now();
    let response: TransportResponse;
    try {
      response = await this.transport.post(path, payload, headers, thirdTraceId ?? randomUUID());
    } catch (error) {
      this.report(path, started, undefined, undefined, 'transport');
      throw error;
    }
    const { envelope } = response;
    const traceId = envelope.traceId ?? undefined;
    this.report(path, started, envelope.errorCode, traceId, envelope.errorCode === 0 ? 'ok' : 'error');
    if (envelope.errorCode !== 0) {
      throw new FxiaokeError({
        path,
        errorCode: envelope.errorCode,
        traceId,
        thirdTraceId: response.thirdTraceId,
        upstreamMessage: this.redact(envelope.errorMessage ?? undefined, credentials),
      });
    }
    return { ...response, traceId };
  }

  /**
   * Fxiaoke's errorMessage is shown to users; gateways have been seen echoing request fields,
   * so every credential this client knows is cut out of it first.
   */
  private redact(text: string | undefined, credentials: FxiaokeCredentials): string | undefined {
    if (!text) return text;
    const token = credentials.style === 'header' ? credentials.accessToken : credentials.corpAccessToken;
    return [this.options.appSecret, this.options.permanentCode, token]
      .filter((secret) => secret.length >= 6)
      .reduce((result, secret) => result.split(secret).join('[REDACTED]'), text);
  }

  private report(
    path: string,
    started: number,
    errorCode: number | undefined,
    traceId: string | undefined,
    outcome: FxiaokeCallEvent['outcome'],
  ): void {
    this.options.onCall?.({ path, durationMs: performance.now() - started, errorCode, traceId, outcome });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

/**
 * Finds the message id of a service-account send: top level or under `data`, string or number.
 * Large numeric ids lose precision in JSON.parse, so those are read back from the raw text.
 */
export function extractMessageId(
  envelope: Envelope,
  rawBody: string,
): { messageId: string | undefined; messageIdSource: MessageIdSource } {
  const parsed = appSendSchema.safeParse(envelope);
  if (!parsed.success) return { messageId: undefined, messageIdSource: 'none' };
  const candidates: Array<[MessageIdSource, string | number | null | undefined]> = [
    ['top', parsed.data.messageId],
    ['data', parsed.data.data?.messageId],
  ];
  for (const [source, value] of candidates) {
    if (typeof value === 'string' && value.length > 0) return { messageId: value, messageIdSource: source };
    if (typeof value === 'number') {
      const exact = Number.isSafeInteger(value) ? String(value) : rawNumericMessageId(rawBody, source);
      return { messageId: exact ?? String(value), messageIdSource: source };
    }
  }
  return { messageId: undefined, messageIdSource: 'none' };
}

function rawNumericMessageId(rawBody: string, source: MessageIdSource): string | undefined {
  const pattern =
    source === 'data' ? /"data"\s*:\s*\{[^}]*?"messageId"\s*:\s*(\d+)/ : /"messageId"\s*:\s*(\d+)/;
  return pattern.exec(rawBody)?.[1];
}
