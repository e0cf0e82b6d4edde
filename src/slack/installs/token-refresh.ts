/**
 * Slack token rotation, once across replicas. A rotated bot token lives 12 hours; its refresh token
 * can be spent once, so two replicas refreshing together would lock a workspace out. Here one
 * replica claims the refresh in the store (`useOnce` on the refresh token, for a minute), calls
 * `oauth.v2.access` and stores the new tokens; the others wait for them to appear. Bolt never
 * refreshes itself: it is handed installations without their refresh tokens (installation-store.ts),
 * and we refresh earlier than Bolt would (it does at 2 hours before expiry).
 */
import { createHash } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { installationKey } from '../../installs/port.js';
import type { InstallationVault } from '../../installs/vault.js';
import type { Logger } from '../../logger.js';

/** Seconds before expiry a token is refreshed: earlier than Bolt's own 2 hours. */
export const REFRESH_MARGIN_SECONDS = 2 * 3600 + 15 * 60;
const CLAIM_MS = 60_000;
const WAIT_STEP_MS = 100;
const WAIT_MAX_MS = 5_000;

export interface RotatingInstallation {
  team?: { id: string } | undefined;
  enterprise?: { id: string } | undefined;
  isEnterpriseInstall?: boolean;
  bot?: { token?: string; refreshToken?: string; expiresAt?: number; userId?: string } | undefined;
}

export interface RefreshSettings {
  vault: InstallationVault;
  /** A Web API client without a token, on SLACK_API_URL. */
  client: webApi.WebClient;
  clientId: string;
  clientSecret: string;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function needsRefresh(installation: RotatingInstallation, nowMs: number): boolean {
  const { refreshToken, expiresAt } = installation.bot ?? {};
  return (
    refreshToken !== undefined && expiresAt !== undefined && expiresAt - nowMs / 1000 < REFRESH_MARGIN_SECONDS
  );
}

export class TokenRefresher {
  readonly #settings: RefreshSettings;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /** One refresh per installation at a time in this process. */
  readonly #inFlight = new Map<string, Promise<RotatingInstallation>>();

  constructor(settings: RefreshSettings) {
    this.#settings = settings;
    this.#now = settings.now ?? Date.now;
    this.#sleep = settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The installation with a fresh bot token (or as it was, when the refresh could not be done now). */
  refresh<T extends RotatingInstallation>(installation: T): Promise<T> {
    const key = installationKey({
      isEnterpriseInstall: installation.isEnterpriseInstall,
      enterpriseId: installation.enterprise?.id,
      teamId: installation.team?.id,
    });
    let running = this.#inFlight.get(key);
    if (!running) {
      running = this.#refreshOnce(key, installation).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, running);
    }
    return running as Promise<T>;
  }

  async #refreshOnce(key: string, installation: RotatingInstallation): Promise<RotatingInstallation> {
    const { vault, logger } = this.#settings;
    const spent = installation.bot?.refreshToken ?? '';
    const claim = `refresh:${key}:${createHash('sha256').update(spent).digest('hex').slice(0, 32)}`;
    if (!(await vault.claimOnce(claim, this.#now() + CLAIM_MS)))
      return this.#awaitOther(key, spent, installation);
    try {
      const answer = await this.#settings.client.oauth.v2.access({
        client_id: this.#settings.clientId,
        client_secret: this.#settings.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: spent,
      });
      const { access_token: token, refresh_token: refreshToken, expires_in: expiresIn } = answer;
      if (!token || !refreshToken || expiresIn === undefined)
        throw new Error('oauth.v2.access gave no rotated token');
      const refreshed = {
        ...installation,
        bot: {
          ...installation.bot,
          token,
          refreshToken,
          expiresAt: Math.floor(this.#now() / 1000) + expiresIn,
        },
      };
      await vault.saveSlack(refreshed);
      logger.info({ installation: key }, 'Slack bot token refreshed');
      return refreshed;
    } catch (error) {
      // Slack's error code only (never a token); the token in hand stays in use until it expires.
      const code = (error as { data?: { error?: unknown } }).data?.error;
      logger.error(
        { installation: key, code: typeof code === 'string' ? code : 'failed' },
        'Slack token refresh failed',
      );
      return installation;
    }
  }

  /** Another replica holds the claim: wait (briefly) for the tokens it stores. */
  async #awaitOther(
    key: string,
    spent: string,
    installation: RotatingInstallation,
  ): Promise<RotatingInstallation> {
    for (let waited = 0; waited < WAIT_MAX_MS; waited += WAIT_STEP_MS) {
      await this.#sleep(WAIT_STEP_MS);
      const current = (await this.#settings.vault.openSlack(key)) as RotatingInstallation | undefined;
      if (!current) return installation;
      if (current.bot?.refreshToken !== spent) return current;
    }
    return installation;
  }
}

/** What Bolt is handed: no refresh token or expiry, so it never refreshes on its own. */
export function withoutRotation<T extends RotatingInstallation>(installation: T): T {
  if (!installation.bot) return installation;
  const { refreshToken: _refresh, expiresAt: _expires, ...bot } = installation.bot;
  return { ...installation, bot };
}
