/**
 * The OAuth half of the fake Slack (install mode): `oauth.v2.access` exchanges a code granted by
 * `grant()` for its workspace's (or org's) tokens, once, and only for the right client id and
 * secret; `auth.test` answers per token with the identity it was issued for, and `invalid_auth`
 * for a revoked one. Held by FakeSlackApi as `oauth`.
 */
import { randomBytes } from 'node:crypto';

export interface OAuthGrant {
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  enterpriseName?: string;
  isEnterpriseInstall?: boolean;
  botUserId?: string;
  botId?: string;
  /** The installer. */
  userId?: string;
  scope?: string;
  /** Token rotation: the bot token expires this many seconds after it is issued, with a refresh token. */
  expiresIn?: number;
}

export interface IssuedTokens {
  code: string;
  botToken: string;
}

interface Identity {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  isEnterpriseInstall: boolean;
  botUserId: string;
  botId: string;
}

type Result = { ok: boolean } & Record<string, unknown>;

export class FakeSlackOAuth {
  client = { id: '1111.2222', secret: 'fake-client-secret' };
  readonly #codes = new Map<string, OAuthGrant & { botToken: string }>();
  readonly #tokens = new Map<string, Identity>();
  readonly #revoked = new Set<string>();
  /** Unspent refresh tokens: what a refresh gives for them. */
  readonly #refreshTokens = new Map<string, { identity: Identity; expiresIn: number }>();
  /** Refresh tokens spent (a second use is refused, as Slack refuses it). */
  readonly spentRefreshTokens: string[] = [];

  /** A code the fake will exchange once for a bot token of this workspace or org. */
  grant(grant: OAuthGrant): IssuedTokens {
    const code = `code-${randomBytes(6).toString('hex')}`;
    const botToken = `xoxb-${grant.enterpriseId ?? 'E0'}-${grant.teamId ?? 'org'}-${randomBytes(8).toString('hex')}`;
    this.#codes.set(code, { ...grant, botToken });
    return { code, botToken };
  }

  /** auth.test answers `invalid_auth` for it from now on (the workspace uninstalled the app). */
  revoke(token: string): void {
    this.#revoked.add(token);
  }

  access(body: Record<string, unknown>): Result {
    if (body.client_id !== this.client.id || body.client_secret !== this.client.secret) {
      return { ok: false, error: 'invalid_client_id' };
    }
    if (body.grant_type === 'refresh_token') return this.#refresh(body.refresh_token);
    const grant = typeof body.code === 'string' ? this.#codes.get(body.code) : undefined;
    if (!grant) return { ok: false, error: 'invalid_code' };
    this.#codes.delete(body.code as string);
    const identity: Identity = {
      teamId: grant.isEnterpriseInstall ? undefined : grant.teamId,
      enterpriseId: grant.enterpriseId,
      isEnterpriseInstall: grant.isEnterpriseInstall ?? false,
      botUserId: grant.botUserId ?? 'U0BOT',
      botId: grant.botId ?? 'B0BOT',
    };
    this.#tokens.set(grant.botToken, identity);
    const rotation = grant.expiresIn === undefined ? {} : this.#rotation(identity, grant.expiresIn);
    return {
      ...rotation,
      ok: true,
      app_id: 'A0TEST',
      authed_user: { id: grant.userId ?? 'U0ADMIN' },
      scope: grant.scope ?? 'commands,chat:write',
      token_type: 'bot',
      access_token: grant.botToken,
      bot_user_id: identity.botUserId,
      team: identity.teamId ? { id: identity.teamId, name: grant.teamName ?? identity.teamId } : null,
      enterprise: grant.enterpriseId
        ? { id: grant.enterpriseId, name: grant.enterpriseName ?? grant.enterpriseId }
        : null,
      is_enterprise_install: identity.isEnterpriseInstall,
    };
  }

  #rotation(identity: Identity, expiresIn: number): { refresh_token: string; expires_in: number } {
    const refreshToken = `xoxe-1-${randomBytes(8).toString('hex')}`;
    this.#refreshTokens.set(refreshToken, { identity, expiresIn });
    return { refresh_token: refreshToken, expires_in: expiresIn };
  }

  #refresh(refreshToken: unknown): Result {
    const grant = typeof refreshToken === 'string' ? this.#refreshTokens.get(refreshToken) : undefined;
    if (!grant) return { ok: false, error: 'invalid_refresh_token' };
    this.#refreshTokens.delete(refreshToken as string);
    this.spentRefreshTokens.push(refreshToken as string);
    const botToken = `xoxe.xoxb-${randomBytes(8).toString('hex')}`;
    this.#tokens.set(botToken, grant.identity);
    // A refreshed token lives Slack's 12 hours, whatever the first one's life was.
    return { ok: true, token_type: 'bot', access_token: botToken, ...this.#rotation(grant.identity, 43_200) };
  }

  /** auth.test for a token this fake issued; undefined for any other (the fake's default answer). */
  authTest(token: string | undefined): Result | undefined {
    if (token === undefined) return undefined;
    if (this.#revoked.has(token)) return { ok: false, error: 'invalid_auth' };
    const identity = this.#tokens.get(token);
    if (!identity) return undefined;
    return {
      ok: true,
      url: `https://${identity.enterpriseId ?? identity.teamId}.slack.com/`,
      team_id: identity.teamId,
      enterprise_id: identity.enterpriseId,
      user_id: identity.botUserId,
      bot_id: identity.botId,
      is_enterprise_install: identity.isEnterpriseInstall,
    };
  }
}

/** The token a Web API call carries: the bearer header, else a `token` field. */
export function tokenOfCall(authorization: unknown, body: Record<string, unknown>): string | undefined {
  if (typeof authorization === 'string') {
    const match = /^Bearer (\S+)$/.exec(authorization);
    if (match) return match[1];
  }
  return typeof body.token === 'string' ? body.token : undefined;
}
