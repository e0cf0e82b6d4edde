/**
 * Bolt's InstallationStore over our vault (installs/vault.ts): Slack's installation is sealed
 * whole into the relay store; a request is authorized with its team's installation, or its
 * organisation's for an org-wide install. No file store, nothing in plain text.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { StoredInstallation } from '../../installs/port.js';
import { installationKey } from '../../installs/port.js';
import type { InstallationVault } from '../../installs/vault.js';
import { beforeDeadline } from '../../util/deadline.js';
import { needsRefresh, type TokenRefresher, withoutRotation } from './token-refresh.js';

/**
 * The store did not answer for a team's installation (down, or slower than the deadline): the team
 * may well be installed, so it is never told otherwise. Bolt answers it as an authorization failure.
 */
export class InstallationUnavailableError extends Error {
  readonly code = 'fx_bridge_installation_unavailable';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`the installation of ${key} could not be read from the store just now`, options);
    this.name = 'InstallationUnavailableError';
  }
}

/** Thrown when a team (or org) has no installation: Bolt answers it as an authorization failure. */
export class NotInstalledError extends Error {
  readonly code = 'fx_bridge_not_installed';
  constructor(readonly key: string) {
    super(`fx-bridge is not installed for ${key}`);
    this.name = 'NotInstalledError';
  }
}

export function keyOfQuery(query: InstallationQuery<boolean>): string {
  return installationKey({
    isEnterpriseInstall: query.isEnterpriseInstall,
    enterpriseId: query.enterpriseId,
    teamId: query.teamId,
  });
}

export class VaultInstallationStore implements InstallationStore {
  readonly #vault: InstallationVault;
  readonly #refresher: TokenRefresher | undefined;
  readonly #now: () => number;

  readonly #readTimeoutMs: number;
  /** The installation each key was last read as, and when: the request being authorized reuses it. */
  readonly #lastRead = new Map<string, { stored: StoredInstallation; at: number }>();

  /**
   * With a refresher, rotating tokens are refreshed here, once across replicas (token-refresh.ts).
   * A read of an installation waits `readTimeoutMs` at most (INTAKE_TIMEOUT_MS in the bridge): the
   * request it authorizes has Slack's 3 s for its ack.
   */
  constructor(
    vault: InstallationVault,
    refresher?: TokenRefresher,
    now: () => number = Date.now,
    readTimeoutMs = 2_000,
  ) {
    this.#vault = vault;
    this.#refresher = refresher;
    this.#now = now;
    this.#readTimeoutMs = readTimeoutMs;
  }

  /** Slack's installation under `key`, as the store has it; a store that fails or is late, an error saying so. */
  async #open(key: string): Promise<Installation<'v1' | 'v2', boolean> | undefined> {
    const read = this.#vault.find(key).catch((error: unknown) => {
      throw new InstallationUnavailableError(key, { cause: error });
    });
    const outcome = await beforeDeadline(read, this.#readTimeoutMs);
    if (!outcome.inTime) throw new InstallationUnavailableError(key);
    const stored = outcome.value;
    if (!stored) {
      this.#lastRead.delete(key);
      return undefined;
    }
    // A sealed value the key does not open throws SecretBoxError: its own answer (a wrong key).
    const opened = this.#vault.openStoredSlack(stored) as Installation<'v1' | 'v2', boolean>;
    this.#lastRead.set(key, { stored, at: this.#now() });
    return opened;
  }

  /**
   * The installation under `key` as it was read at most `maxAgeMs` ago (by the authorization of
   * the request at hand): what comes next in that request needs no second read of the store.
   */
  recentlyRead(key: string, maxAgeMs: number): StoredInstallation | undefined {
    const last = this.#lastRead.get(key);
    return last && this.#now() - last.at <= maxAgeMs ? last.stored : undefined;
  }

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void> {
    await this.#vault.saveSlack(installation);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const key = keyOfQuery(query);
    let opened = await this.#open(key);
    if (opened === undefined) throw new NotInstalledError(key);
    if (this.#refresher && needsRefresh(opened, this.#now())) opened = await this.#refresher.refresh(opened);
    return withoutRotation(opened);
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.#vault.remove(keyOfQuery(query));
  }
}
