/**
 * Settings edited in Slack (App Home) as the stores keep them: per scope, one document of section
 * overrides with a version (written by compare-and-set), and an append-only audit list of who
 * changed what. Every store (memory, SQLite, PostgreSQL, Redis) keeps them beside the relays and
 * passes test/store/settings-contract.ts.
 *
 * A scope is a string: `workspace` in single-workspace mode; install mode will pass an
 * installation key (`T:T123`, `E:E1`, installs/port.ts), so nothing here assumes one scope.
 */

/** The scope of the single-workspace mode: one set of settings for the one workspace. */
export const WORKSPACE_SCOPE = 'workspace';

/** The sections an admin may edit in Slack, each a top-level key of the config file. */
export const SETTINGS_SECTIONS = [
  'aliases',
  'channelDefaults',
  'routes',
  'access',
  'sync',
  'admins',
] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

export function isSettingsSection(value: string): value is SettingsSection {
  return (SETTINGS_SECTIONS as readonly string[]).includes(value);
}

/**
 * Sections set in Slack, each as the admin wrote it (parsed YAML, before the schema's defaults):
 * checked against the config file's schema whenever it is read, so a stored section is never
 * trusted as it is. A section absent here is the config file's.
 */
export type SettingsOverrides = Partial<Record<SettingsSection, unknown>>;

export interface StoredSettings {
  /** 0 while nothing was ever stored for the scope; bumped by the store on every write. */
  version: number;
  overrides: SettingsOverrides;
}

export interface SettingsAuditEntry {
  /** Epoch ms of the change. */
  at: number;
  /** The Slack user id who made it. */
  userId: string;
  section: SettingsSection;
  /** A short `before → after`; settings hold no secrets. */
  summary: string;
}

export interface SettingsStorePort {
  /** The scope's overrides and their version (`{ version: 0, overrides: {} }` when none). */
  read(scope: string): Promise<StoredSettings>;
  /** Only the version: what every replica polls to see a change (cheap, one key or row). */
  version(scope: string): Promise<number>;
  /**
   * Stores `overrides` and appends `audit`, together, only if the stored version is still
   * `expectedVersion` (0: nothing stored yet). The new version, or undefined when another write won.
   */
  write(
    scope: string,
    overrides: SettingsOverrides,
    expectedVersion: number,
    audit: SettingsAuditEntry,
  ): Promise<number | undefined>;
  /** The scope's audit list, newest first, at most `limit` entries. */
  audit(scope: string, limit: number): Promise<SettingsAuditEntry[]>;
}

/** Stored text of the overrides; a parse of stored text gives only the known sections back. */
export function overridesJson(overrides: SettingsOverrides): string {
  return JSON.stringify(overrides);
}

export function overridesFromJson(json: string): SettingsOverrides {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null) return {};
  const known: SettingsOverrides = {};
  for (const [key, value] of Object.entries(parsed)) if (isSettingsSection(key)) known[key] = value;
  return known;
}

export function auditJson(entry: SettingsAuditEntry): string {
  return JSON.stringify({
    at: entry.at,
    userId: entry.userId,
    section: entry.section,
    summary: entry.summary,
  });
}

export function auditFromJson(json: string): SettingsAuditEntry {
  return JSON.parse(json) as SettingsAuditEntry;
}
