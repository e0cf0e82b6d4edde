/**
 * The Fxiaoke adapter behind `FxiaokeApi`: authenticated calls with token refresh, bounded
 * retries, zod-checked answers and `FxiaokeError` for every failure.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorRow, FxiaokeError, FxiaokeSetupError, redactSecrets } from './errors.js';
import { fxiaokeFailureOf } from './failures.js';
import { extractMediaId, extractMessageId } from './ids.js';
import {
  type Article,
  type CallFailure,
  type CompositeCard,
  type FxiaokeApi,
  MAX_RECIPIENTS_PER_CALL,
  type MediaFile,
  type QueuedInfo,
  type RevokeOptions,
  type RevokeResult,
  type SendTextOptions,
  type SendTextResult,
  type UploadMediaResult,
} from './interface.js';
import {
  articleItems,
  type ConvertUserIdMode,
  compositeBody,
  needsConvertUserId,
  uploadFileName,
} from './message-body.js';
import type { Grant, RateLimiter } from './rate-limiter.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, shouldRetry } from './retry.js';
import type { TokenCache } from './token-cache.js';
import { type FxiaokeCredentials, TokenManager, type TokenSource } from './token-manager.js';
import {
  type FxiaokeCallEvent,
  FxiaokeTransport,
  MultipartBody,
  type TransportBody,
  type TransportResponse,
} from './transport.js';

export { extractMediaId, extractMessageId } from './ids.js';
export { type ConvertUserIdMode, uploadFileName } from './message-body.js';
export type { FxiaokeCallEvent } from './transport.js';

export const FXIAOKE_PATHS = {
  send: '/cgi/message/send',
  appSend: '/cgi/app/message/send',
  revoke: '/cgi/app/message/revoke',
  /** What the .NET SDK calls (see uploadMedia); FXIAOKE_MEDIA_UPLOAD_PATH may pick the doc's path. */
  mediaUpload: '/media/upload',
  /** The path the doc page "Upload Message Material Files" names. */
  mediaUploadMessage: '/media/upload/message',
} as const;

export interface FxiaokeClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  permanentCode: string;
  authMode: 'header' | 'legacy';
  /** Acting CRM employee id (`x-fs-userid`), required in header mode. */
  userId?: string;
  /**
   * Header mode only: `auto` (default) adds `"convertUserId": true` when `toUser` holds openUserIds
   * (FSUID_…), as the V2 docs ask; `never` sends them as they are (for a tenant that takes them).
   */
  convertUserId?: ConvertUserIdMode;
  /** Where images are uploaded; default `/media/upload` (.NET SDK), or `/media/upload/message` (docs). */
  mediaUploadPath?: string;
  /** See FxiaokeApi.revokeDoneCodes. */
  revokeDoneCodes?: readonly number[];
  serviceId?: string;
  /** FXIAOKE_TIMEOUT_MS (config.ts DEFAULTS). */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  /** Injected in tests so backoff does not slow them down. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Each token the client starts using (fetched, or read from a shared cache): for log scrubbing. */
  onToken?: (token: string, source: TokenSource) => void;
  /** Observes every finished HTTP call (metrics, logs). */
  onCall?: (event: FxiaokeCallEvent) => void;
  /**
   * Every envelope answer of a non-token call, as Fxiaoke wrote it (`fx-bridge check --send-test`).
   * It may hold anything Fxiaoke echoes: scrub it with `secrets()` before showing it.
   */
  onAnswer?: (answer: { path: string; rawBody: string }) => void;
  /** Paces every HTTP attempt, token calls included; none by default. */
  rateLimiter?: RateLimiter;
  /** Where the token is shared (Redis across replicas); default this process only. */
  tokenCache?: TokenCache;
  /** Every wait for the rate budget, token calls included (metrics, logs); per call see SendTextOptions. */
  onQueued?: (info: QueuedInfo) => void;
}

interface CallOptions {
  safeToRepeat: boolean;
  /** Query parameters beside thirdTraceId (legacy auth adds the token here for multipart bodies). */
  query?: Record<string, string>;
  thirdTraceId?: string;
  onQueued?: (info: QueuedInfo) => void;
  /** See SendTextOptions.beforeDispatch. */
  beforeDispatch?: () => Promise<void>;
}

export interface CallResult extends TransportResponse {
  traceId: string | undefined;
  /** Time spent queued for the rate budget, all attempts together. */
  waitedMs: number;
}

/** Without a limiter every call goes straight out. */
const UNPACED: Grant = { waitedMs: 0, grantedAt: 0, done: async () => {} };

export class FxiaokeClient implements FxiaokeApi {
  readonly serviceId: string | undefined;
  readonly revokeDoneCodes: readonly number[];
  readonly tokens: TokenManager;
  private readonly transport: FxiaokeTransport;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: FxiaokeClientOptions) {
    if (options.authMode === 'header' && !options.userId) {
      throw new FxiaokeSetupError('FxiaokeClient: header auth needs userId (FXIAOKE_USER_ID)');
    }
    this.serviceId = options.serviceId;
    this.revokeDoneCodes = options.revokeDoneCodes ?? [];
    this.transport = new FxiaokeTransport({
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      onCall: options.onCall,
    });
    this.tokens = new TokenManager({
      transport: this.transport,
      authMode: options.authMode,
      appId: options.appId,
      appSecret: options.appSecret,
      permanentCode: options.permanentCode,
      now: options.now,
      onToken: options.onToken,
      cache: options.tokenCache,
      paced: async (path, post) => {
        const grant = await this.pace(path, {});
        try {
          return await post();
        } finally {
          await grant.done();
        }
      },
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
    return this.sendMessage(toUser, { msgType: 'text', text: { content } }, options);
  }

  async sendArticles(
    toUser: readonly string[],
    articles: readonly Article[],
    options: SendTextOptions = {},
  ): Promise<SendTextResult> {
    return this.sendMessage(toUser, { msgType: 'articles', articles: articleItems(articles) }, options);
  }

  /**
   * A card: `{"msgType":"composite","composite":{head,first,form,remark,link}}` on the same
   * endpoints as text (doc page "Send Compound Message"; the .NET SDK's MessageComposite).
   */
  async sendComposite(
    toUser: readonly string[],
    card: CompositeCard,
    options: SendTextOptions = {},
  ): Promise<SendTextResult> {
    return this.sendMessage(toUser, { msgType: 'composite', composite: compositeBody(card) }, options);
  }

  /**
   * As the .NET SDK and the doc's curl send it: multipart/form-data with the file as part `media`
   * (a file name with an extension), and `type` in the query string — in legacy style the token
   * and corpId too. The path is configurable (the SDK and the doc page disagree). The mediaId is
   * read at the top level or under `data`; a success without one is a failure.
   */
  async uploadMedia(file: MediaFile, options: SendTextOptions = {}): Promise<UploadMediaResult> {
    const path = this.options.mediaUploadPath ?? FXIAOKE_PATHS.mediaUpload;
    const body = new MultipartBody(
      {},
      {
        field: 'media',
        bytes: file.bytes,
        fileName: uploadFileName(file.fileName, file.contentType),
        contentType: file.contentType,
      },
    );
    // An upload that did land only leaves an unused file behind: repeating it is harmless.
    const result = await this.call(path, body, {
      safeToRepeat: true,
      query: { type: 'image' },
      thirdTraceId: options.thirdTraceId,
      onQueued: options.onQueued,
      beforeDispatch: options.beforeDispatch,
    });
    const found = extractMediaId(result.envelope);
    if (!found) {
      throw new FxiaokeError({
        path,
        kind: 'unknown',
        meaning: 'Fxiaoke accepted the image upload but returned no mediaId',
        traceId: result.traceId,
        thirdTraceId: result.thirdTraceId,
      });
    }
    return { ...found, traceId: result.traceId, thirdTraceId: result.thirdTraceId };
  }

  /** One message call (text, card or articles) through the plain or the service-account endpoint. */
  private async sendMessage(
    toUser: readonly string[],
    message: Record<string, unknown>,
    options: SendTextOptions,
  ): Promise<SendTextResult> {
    if (toUser.length === 0 || toUser.length > MAX_RECIPIENTS_PER_CALL) {
      throw new RangeError(`a send takes 1–${MAX_RECIPIENTS_PER_CALL} recipients, got ${toUser.length}`);
    }
    const path = this.serviceId ? FXIAOKE_PATHS.appSend : FXIAOKE_PATHS.send;
    const body: Record<string, unknown> = { toUser: [...toUser], ...message };
    if (needsConvertUserId(this.options.authMode, this.options.convertUserId, toUser, path))
      body.convertUserId = true;
    if (this.serviceId) body.serviceId = this.serviceId;
    const result = await this.call(path, body, {
      safeToRepeat: false,
      thirdTraceId: options.thirdTraceId,
      onQueued: options.onQueued,
      beforeDispatch: options.beforeDispatch,
    });
    const { messageId, messageIdSource } = this.serviceId
      ? extractMessageId(result.envelope, result.rawBody)
      : { messageId: undefined, messageIdSource: 'none' as const };
    return {
      traceId: result.traceId,
      thirdTraceId: result.thirdTraceId,
      messageId,
      messageIdSource,
      // Only with a limiter: without one nothing ever waits, and results stay as they were.
      ...(this.options.rateLimiter ? { waitedMs: result.waitedMs } : {}),
    };
  }

  async revoke(messageId: string, options: RevokeOptions = {}): Promise<RevokeResult> {
    if (!this.serviceId) throw new FxiaokeSetupError('revoke needs a service account (FXIAOKE_SERVICE_ID)');
    // Not repeated on an ambiguous failure: a revoke that did land would answer an error the second time.
    const result = await this.call(
      FXIAOKE_PATHS.revoke,
      { serviceId: this.serviceId, messageId },
      { safeToRepeat: false, beforeDispatch: options.beforeDispatch },
    );
    return { traceId: result.traceId, thirdTraceId: result.thirdTraceId };
  }

  async checkCredentials(): Promise<void> {
    await this.tokens.get();
  }

  failureOf(thrown: unknown): CallFailure | undefined {
    return fxiaokeFailureOf(thrown);
  }

  /**
   * Authenticated call with one token refresh on 20016/20005 and bounded retries. With a rate
   * limiter every attempt first waits its turn; a 30004/14001 answer pauses the endpoint for every
   * caller (and every replica sharing the limiter) before this call retries. The caller's
   * `beforeDispatch` runs once, between the first grant (token in hand) and the first request.
   */
  async call(path: string, body: TransportBody, options: CallOptions): Promise<CallResult> {
    let refreshedToken = false;
    let thirdTraceId = options.thirdTraceId;
    let waitedMs = 0;
    let queuedBefore = false;
    let dispatched = false;
    let callerRefused = false;
    for (let attempt = 0; ; attempt++) {
      let credentials: FxiaokeCredentials | undefined;
      try {
        credentials = await this.tokens.get();
        const grant = await this.pace(path, { retry: queuedBefore, onQueued: options.onQueued });
        queuedBefore = true;
        waitedMs += grant.waitedMs;
        try {
          if (grant.waitedMs > 0) {
            // A long wait may have carried the token into its rotation window; the check is local and
            // cheap. Should it fetch and fail, nothing of this call went out (credentials unset).
            credentials = undefined;
            credentials = await this.tokens.get();
          }
          if (!dispatched) {
            // The caller records the call as dispatched now, and only now: whatever waited before
            // (the budget, the token) sent nothing. If it cannot, the call does not go out.
            callerRefused = true;
            await options.beforeDispatch?.();
            callerRefused = false;
            dispatched = true;
          }
          return { ...(await this.attempt(path, body, credentials, thirdTraceId, options)), waitedMs };
        } finally {
          await grant.done();
        }
      } catch (error) {
        if (callerRefused || !(error instanceof FxiaokeError)) throw error;
        // A failed token fetch sent nothing of the call itself: repeating it is always safe.
        const safeToRepeat = options.safeToRepeat || credentials === undefined;
        if (error.kind === 'token' && credentials && !refreshedToken) {
          refreshedToken = true;
          await this.tokens.invalidate(credentials);
          attempt--; // the refresh is not one of the bounded retries
        } else if (attempt < this.policy.maxRetries && shouldRetry(error, safeToRepeat)) {
          const delay = backoffDelay(error, attempt, this.policy, this.random);
          if (error.kind === 'rate_limited') await this.penalize(error.path, delay);
          await this.sleep(delay);
        } else {
          throw error;
        }
        // Every request carries a fresh thirdTraceId, as the docs ask.
        thirdTraceId = undefined;
      }
    }
  }

  /** Waits for the rate budget of `path`; the grant's done() must follow the HTTP call. */
  private async pace(
    path: string,
    options: { retry?: boolean; onQueued?: (info: QueuedInfo) => void },
  ): Promise<Grant> {
    const limiter = this.options.rateLimiter;
    if (!limiter) return UNPACED;
    return limiter.acquire(path, {
      retry: options.retry,
      onWait: (waitMs) => {
        this.options.onQueued?.({ path, waitMs });
        options.onQueued?.({ path, waitMs });
      },
    });
  }

  /** Fxiaoke says the endpoint is over its limit: pause it for everyone, not just this caller. */
  private async penalize(path: string, delayMs: number): Promise<void> {
    const limiter = this.options.rateLimiter;
    if (!limiter) return;
    try {
      await limiter.penalize(path, limiter.now() + delayMs);
    } catch {
      // The caller still backs off; a limiter that cannot be reached fails the next acquire loudly.
    }
  }

  private async attempt(
    path: string,
    body: TransportBody,
    credentials: FxiaokeCredentials,
    thirdTraceId: string | undefined,
    options: CallOptions,
  ): Promise<Omit<CallResult, 'waitedMs'>> {
    const headers: Record<string, string> = {};
    let payload = body;
    let query = options.query ?? {};
    if (credentials.style === 'header') {
      headers.authorization = `Bearer ${credentials.accessToken}`;
      headers['x-fs-ea'] = credentials.ea;
      headers['x-fs-userid'] = this.options.userId ?? '';
    } else {
      const auth = { corpAccessToken: credentials.corpAccessToken, corpId: credentials.corpId };
      // A multipart upload carries them in the query string, as the .NET SDK does.
      if (body instanceof MultipartBody) query = { ...auth, ...query };
      else payload = { ...auth, ...body };
    }
    const response = await this.transport.post(path, payload, headers, thirdTraceId ?? randomUUID(), query);
    this.options.onAnswer?.({ path, rawBody: response.rawBody });
    const { envelope } = response;
    const traceId = envelope.traceId ?? undefined;
    if (envelope.errorCode !== 0) {
      const upstreamMessage = redactSecrets(envelope.errorMessage ?? undefined, this.secrets());
      const row = errorRow(envelope.errorCode);
      if (row.retry === 'not_on_send' && !options.safeToRepeat) {
        // 50009 after a send: Fxiaoke may have delivered it; never repeated, recorded as unknown.
        throw new FxiaokeError({
          path,
          errorCode: envelope.errorCode,
          kind: 'transport',
          meaning: 'Fxiaoke timed out internally after taking the message: it may have been delivered',
          mayHaveBeenDelivered: true,
          traceId,
          thirdTraceId: response.thirdTraceId,
          upstreamMessage,
        });
      }
      throw new FxiaokeError({
        path,
        errorCode: envelope.errorCode,
        traceId,
        thirdTraceId: response.thirdTraceId,
        upstreamMessage,
      });
    }
    return { ...response, traceId };
  }

  /** Every credential this client has held, earlier tokens included: a gateway may echo any of them. */
  secrets(): string[] {
    return [this.options.appSecret, this.options.permanentCode, ...this.tokens.knownTokens()];
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
