/**
 * The settings in force: the config file with the sections set in Slack put in its place, section
 * by section (a section set in Slack replaces the file's whole section). Every check is the config
 * file's own schema over the merged document (config/file.ts), so an edit in Slack gets the file's
 * messages and its cross-checks (a channel default or a route naming an alias that is not there).
 */
import { stringify } from 'yaml';
import { checkFileDocument, type FileConfig, fileDocumentOf, parseFileYaml } from '../config/file.js';
import type { SettingsOverrides, SettingsSection } from './port.js';

/** The config file's document with the overrides' sections in place of its own. */
export function mergedDocument(file: FileConfig, overrides: SettingsOverrides): Record<string, unknown> {
  return { ...fileDocumentOf(file), ...overrides };
}

/**
 * The file with the overrides applied, or the file alone and the problems when the merge does not
 * pass the schema (the file changed under stored overrides, say); the caller logs them.
 */
export function effectiveSettings(
  file: FileConfig,
  overrides: SettingsOverrides,
): { settings: FileConfig; problems: string[] } {
  if (Object.keys(overrides).length === 0) return { settings: file, problems: [] };
  const problems: string[] = [];
  const settings = checkFileDocument(mergedDocument(file, overrides), '', problems);
  return problems.length > 0 ? { settings: file, problems } : { settings, problems: [] };
}

export type SectionEdit =
  | { type: 'valid'; overrides: SettingsOverrides; settings: FileConfig }
  | { type: 'invalid'; problems: string[] };

/**
 * An admin's text for one section, checked as the file would be with it in place. An empty text,
 * or one that says what the config file's section says, takes the section back to the file's (so
 * saving a section unchanged from the file stores nothing).
 */
export function checkSectionEdit(
  file: FileConfig,
  overrides: SettingsOverrides,
  section: SettingsSection,
  text: string,
): SectionEdit {
  const next: SettingsOverrides = { ...overrides };
  if (text.trim() === '') delete next[section];
  else {
    const problems: string[] = [];
    const document = parseFileYaml(text, section, problems);
    if (document === undefined) return { type: 'invalid', problems };
    next[section] = document;
  }
  const problems: string[] = [];
  const settings = checkFileDocument(mergedDocument(file, next), '', problems);
  if (problems.length > 0) return { type: 'invalid', problems };
  const asInFile = (config: FileConfig) => JSON.stringify(fileDocumentOf(config)[section]);
  if (section in next && asInFile(settings) === asInFile(file)) delete next[section];
  return { type: 'valid', overrides: next, settings };
}

/** One section of the settings in force as YAML, as the file would hold it under its key. */
export function sectionYaml(settings: FileConfig, section: SettingsSection): string {
  return stringify(fileDocumentOf(settings)[section]);
}

/** The whole settings in force as a config file (`fx-bridge settings export`). */
export function settingsYaml(settings: FileConfig): string {
  return stringify(fileDocumentOf(settings));
}

/** Sections keyed by name or channel: their summary shows only the keys that changed. */
const KEYED: ReadonlySet<SettingsSection> = new Set(['aliases', 'channelDefaults', 'routes']);

/**
 * `before → after` of one section, short enough for an audit line: of a keyed section only the
 * entries that changed (`{} → {"team":[…]}` for an added alias), of the others the whole section.
 */
export function changeSummary(before: FileConfig, after: FileConfig, section: SettingsSection): string {
  let from = fileDocumentOf(before)[section];
  let to = fileDocumentOf(after)[section];
  if (KEYED.has(section)) {
    const a = from as Record<string, unknown>;
    const b = to as Record<string, unknown>;
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
      (key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]),
    );
    from = Object.fromEntries(changed.filter((key) => key in a).map((key) => [key, a[key]]));
    to = Object.fromEntries(changed.filter((key) => key in b).map((key) => [key, b[key]]));
  }
  const short = (value: unknown) => {
    const json = JSON.stringify(value);
    return json.length > 200 ? `${json.slice(0, 199)}…` : json;
  };
  return `${short(from)} → ${short(to)}`;
}

/**
 * Install mode: the file a workspace's settings start from, the config file with the workspace's
 * installer among the admins, so someone may edit them in App Home from the start.
 */
export function workspaceFile(
  file: FileConfig,
  installation: { installerUserId?: string | undefined },
): FileConfig {
  const installer = installation.installerUserId;
  if (installer === undefined || file.admins.includes(installer)) return file;
  return { ...file, admins: [...file.admins, installer] };
}
