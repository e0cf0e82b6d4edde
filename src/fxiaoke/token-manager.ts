/**
 * Keeps one Fxiaoke token per process. Tokens live 7200 s; asking again after 6600 s of a
 * token's life issues a new one, so we refresh once fewer than 600 s remain and never use a
 * token in its last `safetyMarginMs`. One fetch in flight at a time, shared by every caller:
 * the token endpoint tolerates about 10 calls a minute and no concurrency.
 */
import type { FxiaokeErrorKind } from './errors.js';
import { describeErrorCode, FxiaokeError, redactSecrets } from './errors.js';
import { headerTokenSchema, legacyTokenSchema } from './schemas.js';
import type { FxiaokeTransport } from './transport.js';

export type FxiaokeCredentials =
  | { style: 'header'; accessToken: string; ea: string }
  | { style: 'legacy'; corpAccessToken: string; corpId: string };

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
  /** Called with each new token so log scrubbing can learn it. */
  onToken?: (token: string) => void;
}

interface CachedToken {
  credentials: FxiaokeCredentials;
  expiresAt: number;
  fetchedAt: number;
}

/** After a failed rotation, keep the current token this long before trying again. */
const ROTATION_RETRY_MS = 60_000;

export const TOKEN_PATHS = { header: '/oauth2.0/token', legacy: '/cgi/corpAccessToken/get/V2' } as const;

function tokenOf(credentials: FxiaokeCredentials): string {
  return credentials.style === 'header' ? credentials.accessToken : credentials.corpAccessToken;
}

export class TokenManager {
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly now: () => number;
  private readonly refreshBeforeExpiryMs: number;
  private readonly safetyMarginMs: number;
  private fetches = 0;
  private lastFailedRotationAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 600_000;
    this.safetyMarginMs = options.safetyMarginMs ?? 30_000;
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

  /** Drops the token a call was refused with (20016), unless a newer one already replaced it. */
  invalidate(credentials: FxiaokeCredentials): void {
    if (this.cached && tokenOf(this.cached.credentials) === tokenOf(credentials)) this.cached = undefined;
  }

  private refresh(): Promise<CachedToken> {
    if (!this.inFlight) {
      this.inFlight = this.fetchToken()
        .then((token) => {
          this.cached = token;
          return token;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { transport, authMode, appId, appSecret, permanentCode } = this.options;
    const path = TOKEN_PATHS[authMode];
    const body =
      authMode === 'header'
        ? { appId, appSecret, permanentCode, grantType: 'app_secret' }
        : { appId, appSecret, permanentCode };
    this.fetches++;
    const fetchedAt = this.now();
    const { envelope, thirdTraceId } = await transport.post(path, body);
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
        upstreamMessage: redactSecrets(envelope.errorMessage ?? undefined, [appSecret, permanentCode]),
      });
    }
    const credentials = parseCredentials(authMode, envelope, path, traceId, thirdTraceId);
    const expiresInSeconds = Number((envelope as Record<string, unknown>).expiresIn);
    this.options.onToken?.(tokenOf(credentials));
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
