/** Settings edited in Slack, in memory (STORE_URL=memory:, tests): the contract's behaviour, nothing kept. */
import {
  auditFromJson,
  auditJson,
  overridesFromJson,
  overridesJson,
  type SettingsAuditEntry,
  type SettingsOverrides,
  type SettingsStorePort,
  type StoredSettings,
} from '../settings/port.js';

export class MemorySettings implements SettingsStorePort {
  // Kept as text, as the other stores keep it: a caller's later change to an object never leaks in.
  readonly #rows = new Map<string, { version: number; json: string }>();
  readonly #audit = new Map<string, string[]>();

  async read(scope: string): Promise<StoredSettings> {
    const row = this.#rows.get(scope);
    return row
      ? { version: row.version, overrides: overridesFromJson(row.json) }
      : { version: 0, overrides: {} };
  }

  async version(scope: string): Promise<number> {
    return this.#rows.get(scope)?.version ?? 0;
  }

  async write(
    scope: string,
    overrides: SettingsOverrides,
    expectedVersion: number,
    audit: SettingsAuditEntry,
  ): Promise<number | undefined> {
    const current = this.#rows.get(scope)?.version ?? 0;
    if (current !== expectedVersion) return undefined;
    this.#rows.set(scope, { version: current + 1, json: overridesJson(overrides) });
    const list = this.#audit.get(scope) ?? [];
    list.push(auditJson(audit));
    this.#audit.set(scope, list);
    return current + 1;
  }

  async audit(scope: string, limit: number): Promise<SettingsAuditEntry[]> {
    const list = this.#audit.get(scope) ?? [];
    return [...list].reverse().slice(0, Math.max(0, limit)).map(auditFromJson);
  }
}
