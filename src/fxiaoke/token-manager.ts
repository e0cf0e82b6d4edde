/**
 * Keeps one Fxiaoke token per process. Tokens live 7200 s; asking again after 6600 s of a
 * token's life issues a new one, so we refresh once fewer than 600 s remain and never use a
 * token in its last `safetyMarginMs`. One fetch in flight at a time, shared by every caller:
 * the token endpoint tolerates about 10 calls a minute and no concurrency.
 *
 * Behind this process's copy sits a `TokenCache`. When it is shared (Redis), a replica that needs
 * a token reads it first, and only the holder of the cache's lock fetches — after reading again,
 * since another replica may just have stored one — so the endpoint is called once per rotation.
 */
import type { FxiaokeErrorKind } from './errors.js';
import { describeErrorCode, FxiaokeError, redactSecrets } from './errors.js';
import { headerTokenSchema, legacyTokenSchema } from './schemas.js';
import {
  type CachedToken,
  type FxiaokeCredentials,
  MemoryTokenCache,
  type TokenCache,
  tokenOf,
} from './token-cache.js';
import type { FxiaokeTransport } from './transport.js';

export type { FxiaokeCredentials } from './token-cache.js';

/** `fetched`: this process called the token endpoint; `shared`: read from the cache another replica filled. */
export type TokenSource = 'fetched' | 'shared';

export interface TokenManagerOptions {
  transport: FxiaokeTransport;
  authMode: 'header' | 'legacy';
  appId: string;
  appSecret: string;
  permanentCode: string;
  now?: () => number;
  /** Refresh once this little of the token's life is left (default 600 s: the 6600–7200 s window). */
  refreshBeforeExpiryMs?: number;
  /** Never send a call on a token with less than this left (default 30 s). */
  safetyMarginMs?: number;
  /**
   * Called with each token this process starts using, fetched or read from a shared cache, so log
   * scrubbing learns it before it can appear anywhere. The token must never be logged.
   */
  onToken?: (token: string, source: TokenSource) => void;
  /** Where tokens are shared; default: this process only. */
  cache?: TokenCache;
  /** Runs each token call in its turn (the rate limiter), e.g. `(path, call) => call()`. */
  paced?: <T>(path: string, call: () => Promise<T>) => Promise<T>;
}

/** Earlier tokens kept for redaction: a day of rotations every ~110 minutes, with room to spare. */
const MAX_KNOWN_TOKENS = 32;

/** After a failed rotation, keep the current token this long before trying again. */
const ROTATION_RETRY_MS = 60_000;

export const TOKEN_PATHS = { header: '/oauth2.0/token', legacy: '/cgi/corpAccessToken/get/V2' } as const;

export class TokenManager {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly now: () => number;
  private readonly refreshBeforeExpiryMs: number;
  private readonly safetyMarginMs: number;
  private readonly cache: TokenCache;
  private fetches = 0;
  private lastFailedRotationAt = Number.NEGATIVE_INFINITY;
  /** The last token Fxiaoke refused: a shared cache must not hand it back before the delete lands. */
  private rejected: string | undefined;
  /** Every token this process has used, newest last (bounded): any of them may be echoed back. */
  private readonly seen: string[] = [];

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 600_000;
    this.safetyMarginMs = options.safetyMarginMs ?? 30_000;
    this.cache = options.cache ?? new MemoryTokenCache(this.now);
  }

  /** The tokens this process has used, earlier ones included (at most the last 32), for redaction. */
  knownTokens(): readonly string[] {
    return this.seen;
  }

  /** Successful and failed token calls made by this process. */
  get fetchCount(): number {
    return this.fetches;
  }

  async get(): Promise<FxiaokeCredentials> {
    const now = this.now();
    const cached = this.cached;
    if (cached && cached.expiresAt - now > this.refreshBeforeExpiryMs) return cached.credentials;
    if (cached && cached.expiresAt - now > this.safetyMarginMs) {
      // Inside the rotation window: try to rotate, but a failed rotation must not fail the call
      // while the current token still has life in it, nor be retried on every call (the token
      // endpoint allows about 10 calls a minute).
      if (now - this.lastFailedRotationAt < ROTATION_RETRY_MS) return cached.credentials;
      try {
        return (await this.refresh()).credentials;
      } catch {
        this.lastFailedRotationAt = this.now();
        return cached.credentials;
      }
    }
    return (await this.refresh()).credentials;
  }

  /**
   * Drops the token a call was refused with (20016), here and in the cache, unless a newer one
   * already replaced it (compare-and-delete: another replica may have stored a new one by now).
   */
  async invalidate(credentials: FxiaokeCredentials): Promise<void> {
    const failed = tokenOf(credentials);
    this.rejected = failed;
    if (this.cached && tokenOf(this.cached.credentials) === failed) this.cached = undefined;
    await this.cache.invalidate(failed);
  }

  private refresh(): Promise<CachedToken> {
    this.inFlight ??= this.obtain().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Reads the cache; fetches only under its lock, and only if the cache still has nothing good. */
  private async obtain(): Promise<CachedToken> {
    const shared = await this.cache.get();
    if (this.isFresh(shared)) return this.adopt(shared, 'shared');
    return this.cache.withLock(async () => {
      const current = await this.cache.get();
      if (this.isFresh(current)) return this.adopt(current, 'shared');
      let token: CachedToken;
      try {
        token = await this.fetchToken();
      } catch (error) {
        // A failed rotation must not fail calls while the cached token still has life (see get()).
        if (!this.isUsable(current)) throw error;
        this.lastFailedRotationAt = this.now();
        return this.adopt(current, 'shared');
      }
      await this.cache.set(token, token.expiresAt - this.now());
      return this.adopt(token, 'fetched');
    });
  }

  /** Good for a while yet: outside its rotation window, and not the one Fxiaoke just refused. */
  private isFresh(token: CachedToken | undefined): token is CachedToken {
    return (
      token !== undefined &&
      token.expiresAt - this.now() > this.refreshBeforeExpiryMs &&
      tokenOf(token.credentials) !== this.rejected
    );
  }

  private isUsable(token: CachedToken | undefined): token is CachedToken {
    return (
      token !== undefined &&
      token.expiresAt - this.now() > this.safetyMarginMs &&
      tokenOf(token.credentials) !== this.rejected
    );
  }

  private adopt(token: CachedToken, source: TokenSource): CachedToken {
    const previous = this.cached;
    this.cached = token;
    const secret = tokenOf(token.credentials);
    if (source === 'fetched') this.rejected = undefined;
    if (!this.seen.includes(secret)) {
      this.seen.push(secret);
      if (this.seen.length > MAX_KNOWN_TOKENS) this.seen.shift();
    }
    // The scrubber learns each token once, before any call can carry it.
    if (source === 'fetched' || !previous || tokenOf(previous.credentials) !== secret) {
      this.options.onToken?.(secret, source);
    }
    return token;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { transport, authMode, appId, appSecret, permanentCode } = this.options;
    const path = TOKEN_PATHS[authMode];
    const body =
      authMode === 'header'
        ? { appId, appSecret, permanentCode, grantType: 'app_secret' }
        : { appId, appSecret, permanentCode };
    let fetchedAt = this.now();
    const post = () => {
      this.fetches++;
      fetchedAt = this.now();
      return transport.post(path, body);
    };
    const { envelope, thirdTraceId } = await (this.options.paced ? this.options.paced(path, post) : post());
    const traceId = envelope.traceId ?? undefined;
    if (envelope.errorCode !== 0) {
      throw new FxiaokeError({
        path,
        errorCode: envelope.errorCode,
        // A token call refused for any reason means the app cannot work: a configuration problem,
        // except the codes that say Fxiaoke itself is busy.
        kind: tokenErrorKind(envelope.errorCode),
        traceId,
        thirdTraceId,
        upstreamMessage: redactSecrets(envelope.errorMessage ?? undefined, [
          appSecret,
          permanentCode,
          ...this.seen,
        ]),
      });
    }
    const credentials = parseCredentials(authMode, envelope, path, traceId, thirdTraceId);
    const expiresInSeconds = Number((envelope as Record<string, unknown>).expiresIn);
    return { credentials, fetchedAt, expiresAt: fetchedAt + expiresInSeconds * 1000 };
  }
}

function tokenErrorKind(errorCode: number): FxiaokeErrorKind {
  const { kind } = describeErrorCode(errorCode);
  return kind === 'transient' || kind === 'rate_limited' || kind === 'quota' ? kind : 'config';
}

function parseCredentials(
  authMode: 'header' | 'legacy',
  envelope: Record<string, unknown>,
  path: string,
  traceId: string | undefined,
  thirdTraceId: string,
): FxiaokeCredentials {
  const malformed = () =>
    new FxiaokeError({
      path,
      kind: 'transport',
      meaning: 'Fxiaoke’s token answer lacked the token fields',
      traceId,
      thirdTraceId,
    });
  if (authMode === 'header') {
    const parsed = headerTokenSchema.safeParse(envelope);
    if (!parsed.success) throw malformed();
    return { style: 'header', accessToken: parsed.data.accessToken, ea: parsed.data.ea };
  }
  const parsed = legacyTokenSchema.safeParse(envelope);
  if (!parsed.success) throw malformed();
  return { style: 'legacy', corpAccessToken: parsed.data.corpAccessToken, corpId: parsed.data.corpId };
}
