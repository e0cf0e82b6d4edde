/**
 * Bolt's InstallationStore over our vault (installs/vault.ts): Slack's installation is sealed
 * whole into the relay store; a request is authorized with its team's installation, or its
 * organisation's for an org-wide install. No file store, nothing in plain text.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { installationKey } from '../../installs/port.js';
import type { InstallationVault } from '../../installs/vault.js';
import { needsRefresh, type TokenRefresher, withoutRotation } from './token-refresh.js';

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

  /** With a refresher, rotating tokens are refreshed here, once across replicas (token-refresh.ts). */
  constructor(vault: InstallationVault, refresher?: TokenRefresher, now: () => number = Date.now) {
    this.#vault = vault;
    this.#refresher = refresher;
    this.#now = now;
  }

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void> {
    await this.#vault.saveSlack(installation);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const key = keyOfQuery(query);
    let opened = (await this.#vault.openSlack(key)) as Installation<'v1' | 'v2', boolean> | undefined;
    if (opened === undefined) throw new NotInstalledError(key);
    if (this.#refresher && needsRefresh(opened, this.#now())) opened = await this.#refresher.refresh(opened);
    return withoutRotation(opened);
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.#vault.remove(keyOfQuery(query));
  }
}
