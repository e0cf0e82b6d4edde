/**
 * What the doors (App Home, the CLI) may do with the settings: who is an admin, a section as
 * YAML, a change (checked as the file is, stored with its audit entry by compare-and-set, put in
 * force on this replica at once), and the audit list.
 */
import type { FileConfig } from '../config/file.js';
import { changeSummary, checkSectionEdit, sectionYaml } from './effective.js';
import type { LiveSettings } from './live.js';
import type { SettingsAuditEntry, SettingsSection, SettingsStorePort } from './port.js';

export type SettingsSaveOutcome =
  | { type: 'saved'; summary: string }
  | { type: 'unchanged' }
  | { type: 'invalid'; problems: string[] }
  /** The user is not an admin (a forged submission): nothing is stored. */
  | { type: 'refused' }
  /** Other admins kept changing the settings meanwhile: nothing is stored, try again. */
  | { type: 'conflict' };

export interface SettingsAdmin {
  isAdmin(userId: string): boolean;
  /** The section in force, as YAML; and whether it is set in Slack or the config file's. */
  section(section: SettingsSection): { yaml: string; fromSlack: boolean };
  save(section: SettingsSection, text: string, userId: string): Promise<SettingsSaveOutcome>;
  audit(limit: number): Promise<SettingsAuditEntry[]>;
}

/** Compare-and-set rounds before a save gives up; each lost round means another admin's write won. */
const SAVE_ATTEMPTS = 5;

export class SettingsEditor implements SettingsAdmin {
  readonly #live: LiveSettings;
  readonly #store: SettingsStorePort;
  readonly #now: () => number;

  constructor(live: LiveSettings, store: SettingsStorePort, now: () => number = Date.now) {
    this.#live = live;
    this.#store = store;
    this.#now = now;
  }

  isAdmin(userId: string): boolean {
    return this.#live.current.admins.includes(userId);
  }

  section(section: SettingsSection): { yaml: string; fromSlack: boolean } {
    return {
      yaml: sectionYaml(this.#live.current, section),
      fromSlack: section in this.#live.stored.overrides,
    };
  }

  async save(section: SettingsSection, text: string, userId: string): Promise<SettingsSaveOutcome> {
    const live = this.#live;
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      // Who is an admin, and what the others stored, as the store has it now, not as last polled.
      await live.refresh();
      if (!this.isAdmin(userId)) return { type: 'refused' };
      const stored = live.stored;
      const before: FileConfig = live.current;
      const edit = checkSectionEdit(live.file, stored.overrides, section, text);
      if (edit.type === 'invalid') return edit;
      if (section === 'admins' && !edit.settings.admins.includes(userId)) {
        return {
          type: 'invalid',
          problems: [
            'admins: keep yourself in the list, or nobody may be left to change these settings in Slack (another admin can remove you)',
          ],
        };
      }
      const summary = changeSummary(before, edit.settings, section);
      const sameOverrides = JSON.stringify(stored.overrides) === JSON.stringify(edit.overrides);
      if (sameOverrides) return { type: 'unchanged' };
      const audit = { at: this.#now(), userId, section, summary };
      const version = await this.#store.write(live.scope, edit.overrides, stored.version, audit);
      if (version === undefined) continue;
      live.apply({ version, overrides: edit.overrides });
      return { type: 'saved', summary };
    }
    return { type: 'conflict' };
  }

  audit(limit: number): Promise<SettingsAuditEntry[]> {
    return this.#store.audit(this.#live.scope, limit);
  }
}
