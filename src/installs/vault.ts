/**
 * The only reader and writer of an installation's secrets: seals them on the way into the store
 * and opens them on the way out (secrets/secret-box.ts), so the store never holds a token in
 * plain text. Each sealed value is bound to its installation's key (the box's context), so one
 * copied onto another workspace's row does not open.
 */
import type { SecretBox } from '../secrets/secret-box.js';
import {
  type InstallationStorePort,
  type InstallationWrite,
  installationKey,
  type Sealed,
  type StoredInstallation,
} from './port.js';

/** What the vault needs of Slack's installation (Bolt's `Installation`, read structurally). */
export interface SlackInstallationShape {
  team?: { id: string; name?: string } | undefined;
  enterprise?: { id: string; name?: string } | undefined;
  isEnterpriseInstall?: boolean;
  bot?: { userId?: string; id?: string; token?: string } | undefined;
  user?: { id?: string } | undefined;
}

export interface RotationReport {
  /** Installations read. */
  seen: number;
  /** Sealed again with the current key. */
  resealed: number;
}

const PAGE = 100;

/** A workspace's Fxiaoke tenant, as an admin gives it in the connect form. */
export interface FxiaokeTenant {
  baseUrl: string;
  appId: string;
  appSecret: string;
  permanentCode: string;
  userId?: string;
  serviceId?: string;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export class InstallationVault {
  readonly #store: InstallationStorePort;
  readonly #box: SecretBox;
  readonly #now: () => number;

  constructor(store: InstallationStorePort, box: SecretBox, now: () => number = Date.now) {
    this.#store = store;
    this.#box = box;
    this.#now = now;
  }

  get store(): InstallationStorePort {
    return this.#store;
  }

  /** Keeps Slack's installation, sealed whole; a workspace's Fxiaoke connection survives a reinstall. */
  async saveSlack(installation: SlackInstallationShape): Promise<StoredInstallation> {
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const key = installationKey({
      isEnterpriseInstall,
      enterpriseId: installation.enterprise?.id,
      teamId: installation.team?.id,
    });
    const slack = this.#seal(JSON.stringify(installation), 'slack', key);
    // Compare-and-set over an existing one, so a tenant connected meanwhile is kept, not overwritten.
    for (;;) {
      const existing = await this.#store.find(key);
      const now = this.#now();
      const write: InstallationWrite = {
        key,
        teamId: installation.team?.id,
        enterpriseId: installation.enterprise?.id,
        isEnterpriseInstall,
        teamName: installation.team?.name ?? installation.enterprise?.name,
        botUserId: installation.bot?.userId,
        installerUserId: installation.user?.id,
        installedAt: existing?.installedAt ?? now,
        updatedAt: now,
        slack,
        ...(existing?.fxiaoke ? { fxiaoke: existing.fxiaoke } : {}),
      };
      if (!existing) return this.#store.save(write);
      if (await this.#store.replace(write, existing.version)) {
        return { ...write, version: existing.version + 1 };
      }
    }
  }

  /** Slack's installation as it was given, opened; undefined when there is none under the key. */
  async openSlack(key: string): Promise<unknown | undefined> {
    const stored = await this.#store.find(key);
    return stored ? this.openStoredSlack(stored) : undefined;
  }

  /** Slack's installation of a stored installation already read, opened. */
  openStoredSlack(stored: StoredInstallation): unknown {
    return JSON.parse(this.#box.open(stored.slack, context('slack', stored.key)));
  }

  /**
   * Keeps a workspace's Fxiaoke tenant (its app secret and permanent code sealed); false when the
   * workspace has no installation any more (uninstalled meanwhile). Written compare-and-set, so a
   * reinstall landing at the same moment is read afresh, never lost.
   */
  async connectFxiaoke(key: string, tenant: FxiaokeTenant): Promise<boolean> {
    const { appSecret, permanentCode, ...visible } = tenant;
    const secrets = this.#seal(JSON.stringify({ appSecret, permanentCode }), 'fxiaoke', key);
    for (;;) {
      const stored = await this.#store.find(key);
      if (!stored) return false;
      const { version, ...write } = stored;
      const fxiaoke = { ...withoutUndefined(visible), secrets };
      if (await this.#store.replace({ ...write, updatedAt: this.#now(), fxiaoke }, version)) return true;
    }
  }

  /** Forgets a workspace's Fxiaoke tenant; false when it had none (or no installation). */
  async disconnectFxiaoke(key: string): Promise<boolean> {
    for (;;) {
      const stored = await this.#store.find(key);
      if (!stored?.fxiaoke) return false;
      const { version, fxiaoke: _gone, ...write } = stored;
      if (await this.#store.replace({ ...write, updatedAt: this.#now() }, version)) return true;
    }
  }

  /** The workspace's Fxiaoke tenant with its secrets opened; undefined until connected. */
  async tenantOf(key: string): Promise<FxiaokeTenant | undefined> {
    const stored = await this.#store.find(key);
    if (!stored?.fxiaoke) return undefined;
    const { secrets, ...visible } = stored.fxiaoke;
    const opened = JSON.parse(this.#box.open(secrets, context('fxiaoke', key))) as {
      appSecret: string;
      permanentCode: string;
    };
    return { ...visible, ...opened };
  }

  /** Drops the installer's user token when `revoked(user id)` says so (tokens_revoked for user tokens). */
  async forgetUserToken(key: string, revoked: (userId: string) => boolean): Promise<void> {
    const opened = (await this.openSlack(key)) as
      | (SlackInstallationShape & { user?: { id?: string; token?: string; refreshToken?: string } })
      | undefined;
    if (!opened?.user?.id || !revoked(opened.user.id) || opened.user.token === undefined) return;
    const { token: _token, refreshToken: _refresh, ...user } = opened.user;
    await this.saveSlack({ ...opened, user });
  }

  /**
   * True for the first caller of `name` until `until` (epoch ms), on every replica: one-time OAuth
   * states, and the one replica that refreshes a rotating token.
   */
  claimOnce(name: string, until: number): Promise<boolean> {
    return this.#store.useOnce(name, until);
  }

  find(key: string): Promise<StoredInstallation | undefined> {
    return this.#store.find(key);
  }

  remove(key: string): Promise<boolean> {
    return this.#store.remove(key);
  }

  /**
   * Opens every installation's Slack part with the box's keys and gives the ones that do not open
   * (a wrong FX_BRIDGE_SECRET_KEY), so a start can refuse before serving anyone with garbage.
   */
  async unreadable(): Promise<{ seen: number; failures: { key: string; error: unknown }[] }> {
    const failures: { key: string; error: unknown }[] = [];
    let seen = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list(after, PAGE);
      for (const stored of page) {
        seen += 1;
        try {
          this.#box.open(stored.slack, context('slack', stored.key));
          if (stored.fxiaoke) this.#box.open(stored.fxiaoke.secrets, context('fxiaoke', stored.key));
        } catch (error) {
          failures.push({ key: stored.key, error });
        }
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) return { seen, failures };
      after = last.key;
    }
  }

  /**
   * Seals every secret again with the current key (rotation). Values already sealed with it are
   * left alone, so a rotation that stopped half way is finished by running it again; an
   * installation written meanwhile (by a replica with the new key) is read afresh, never overwritten.
   */
  async rotate(): Promise<RotationReport> {
    const report: RotationReport = { seen: 0, resealed: 0 };
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list(after, PAGE);
      for (const stored of page) {
        report.seen += 1;
        if (await this.#reseal(stored)) report.resealed += 1;
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) return report;
      after = last.key;
    }
  }

  async #reseal(first: StoredInstallation): Promise<boolean> {
    let stored: StoredInstallation | undefined = first;
    while (stored) {
      const { version, ...write } = stored;
      const stale =
        !this.#box.isCurrent(write.slack) || (write.fxiaoke && !this.#box.isCurrent(write.fxiaoke.secrets));
      if (!stale) return false;
      write.slack = this.#reopen(write.slack, 'slack', write.key);
      if (write.fxiaoke) {
        write.fxiaoke = {
          ...write.fxiaoke,
          secrets: this.#reopen(write.fxiaoke.secrets, 'fxiaoke', write.key),
        };
      }
      if (await this.#store.replace(write, version)) return true;
      stored = await this.#store.find(write.key);
    }
    return false;
  }

  #reopen(sealed: Sealed, part: string, key: string): Sealed {
    return this.#box.isCurrent(sealed)
      ? sealed
      : this.#seal(this.#box.open(sealed, context(part, key)), part, key);
  }

  #seal(plain: string, part: string, key: string): Sealed {
    return this.#box.seal(plain, context(part, key)) as Sealed;
  }
}

function context(part: string, key: string): string {
  return `${part}:${key}`;
}
