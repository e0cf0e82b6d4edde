/**
 * Installations (install mode) as the stores keep them: one per workspace, or per Enterprise Grid
 * organisation for an org-wide install, in the same store as the relays (SQLite, Redis,
 * PostgreSQL, memory), each passing test/store/installation-contract.ts.
 *
 * The stores see only sealed secrets (secrets/secret-box.ts): everything a token or a credential
 * is in goes in a `Sealed` field, which only installs/vault.ts writes and reads.
 */

/** Text sealed by the SecretBox; the type keeps a plain token from being stored by mistake. */
export type Sealed = string & { readonly __sealed: true };

/** An org-wide install is found by its enterprise id, any other by its team id. */
export function installationKey(query: {
  isEnterpriseInstall?: boolean;
  enterpriseId?: string | undefined;
  teamId?: string | undefined;
}): string {
  if (query.isEnterpriseInstall && query.enterpriseId) return `E:${query.enterpriseId}`;
  if (query.teamId) return `T:${query.teamId}`;
  throw new RangeError('An installation needs a team id, or an enterprise id for an org-wide install');
}

export interface StoredInstallation {
  /** `E:<enterprise id>` for an org-wide install, else `T:<team id>` (installationKey). */
  key: string;
  /** Bumped by the store on every write; `replace` compares it. */
  version: number;
  teamId: string | undefined;
  enterpriseId: string | undefined;
  isEnterpriseInstall: boolean;
  /** Names and ids only, for lists and logs: the workspace's name, the bot's user id, the installer. */
  teamName: string | undefined;
  botUserId: string | undefined;
  installerUserId: string | undefined;
  installedAt: number;
  updatedAt: number;
  /** Slack's whole installation (bot and user tokens, refresh tokens, webhook), sealed as one. */
  slack: Sealed;
  /** The workspace's Fxiaoke tenant, once connected: its secrets sealed. */
  fxiaoke?: { baseUrl: string; appId: string; userId?: string; serviceId?: string; secrets: Sealed };
}

/** What a write gives: everything but the version, which the store keeps. */
export type InstallationWrite = Omit<StoredInstallation, 'version'>;

export interface InstallationStorePort {
  /** Inserts or replaces the installation under its key; returns it with its new version. */
  save(installation: InstallationWrite): Promise<StoredInstallation>;
  find(key: string): Promise<StoredInstallation | undefined>;
  /** Writes only if the stored version is still `expectedVersion`; false when it changed or went. */
  replace(installation: InstallationWrite, expectedVersion: number): Promise<boolean>;
  /** Deletes the installation (its tokens with it); false when there was none. */
  remove(key: string): Promise<boolean>;
  /** By key, after `after` (exclusive), up to `limit`: rotation and lists walk them in pages. */
  list(after: string | undefined, limit: number): Promise<StoredInstallation[]>;
  /**
   * Marks a one-time value (an OAuth state's nonce) as used, to be remembered until `until` (epoch
   * ms). True the first time, false on every later call: a replayed state is refused.
   */
  useOnce(nonce: string, until: number): Promise<boolean>;
}

/** The stored text of an installation (the store keeps `key` and `version` beside it). */
export function installationJson(installation: InstallationWrite): string {
  return JSON.stringify(installation);
}

export function installationFromJson(json: string, version: number): StoredInstallation {
  return { ...(JSON.parse(json) as InstallationWrite), version };
}
