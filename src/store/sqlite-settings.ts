/**
 * Settings edited in Slack, in the SQLite file (migration 6, sqlite-migrations.ts), through the
 * relay store's lock queue. The overrides' write and its audit entry are one transaction.
 */
import type Database from 'better-sqlite3';
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
import type { SqliteAccess } from './sqlite-installations.js';

type Row = { version: number; overrides: string };

export class SqliteSettings implements SettingsStorePort {
  readonly #access: SqliteAccess;
  readonly #read: Database.Statement<[string], Row>;
  readonly #version: Database.Statement<[string], number>;
  readonly #write: Database.Transaction<
    (scope: string, json: string, expected: number, audit: SettingsAuditEntry) => number | undefined
  >;
  readonly #audit: Database.Statement<[string, number], { entry: string }>;

  constructor(access: SqliteAccess) {
    this.#access = access;
    const { db } = access;
    this.#read = db.prepare('SELECT version, overrides FROM settings WHERE scope = ?');
    this.#version = db.prepare<[string], number>('SELECT version FROM settings WHERE scope = ?').pluck();
    const insert = db.prepare(
      `INSERT INTO settings (scope, version, overrides, updated_at) VALUES (?, 1, ?, ?)
       ON CONFLICT (scope) DO NOTHING`,
    );
    const update = db.prepare(
      'UPDATE settings SET version = version + 1, overrides = ?, updated_at = ? WHERE scope = ? AND version = ?',
    );
    const append = db.prepare('INSERT INTO settings_audit (scope, at, entry) VALUES (?, ?, ?)');
    this.#write = db.transaction(
      (scope: string, json: string, expected: number, audit: SettingsAuditEntry) => {
        const now = access.now();
        const changed =
          expected === 0
            ? insert.run(scope, json, now).changes
            : update.run(json, now, scope, expected).changes;
        if (changed !== 1) return undefined;
        append.run(scope, audit.at, auditJson(audit));
        return expected + 1;
      },
    );
    this.#audit = db.prepare('SELECT entry FROM settings_audit WHERE scope = ? ORDER BY id DESC LIMIT ?');
  }

  read(scope: string): Promise<StoredSettings> {
    return this.#access.read(() => {
      const row = this.#read.get(scope);
      return row
        ? { version: row.version, overrides: overridesFromJson(row.overrides) }
        : { version: 0, overrides: {} };
    });
  }

  version(scope: string): Promise<number> {
    return this.#access.read(() => this.#version.get(scope) ?? 0);
  }

  write(
    scope: string,
    overrides: SettingsOverrides,
    expectedVersion: number,
    audit: SettingsAuditEntry,
  ): Promise<number | undefined> {
    const json = overridesJson(overrides);
    // IMMEDIATE: the version is checked under the file's write lock, so two processes cannot both win.
    return this.#access.write(() => this.#write.immediate(scope, json, expectedVersion, audit));
  }

  audit(scope: string, limit: number): Promise<SettingsAuditEntry[]> {
    return this.#access.read(() =>
      this.#audit.all(scope, Math.max(0, limit)).map((row) => auditFromJson(row.entry)),
    );
  }
}
