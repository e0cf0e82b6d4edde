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
    return {
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
