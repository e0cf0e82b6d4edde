/**
 * Settings edited in Slack on PostgreSQL (migration 4, migrations.ts): one row per scope, its
 * `version` compared by `write`, which appends the audit entry in the same transaction.
 */
import type pg from 'pg';
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
import { inTransaction } from './transaction.js';

export class PostgresSettingsStore implements SettingsStorePort {
  readonly #pool: pg.Pool;
  readonly #run: <T>(operation: () => Promise<T>) => Promise<T>;
  readonly #now: () => number;

  /** `run` turns failures into StoreErrors, as the relay store's calls do. */
  constructor(pool: pg.Pool, run: <T>(operation: () => Promise<T>) => Promise<T>, now: () => number) {
    this.#pool = pool;
    this.#run = run;
    this.#now = now;
  }

  read(scope: string): Promise<StoredSettings> {
    return this.#run(async () => {
      const { rows } = await this.#pool.query<{ version: number; overrides: string }>(
        'SELECT version, overrides FROM fxb_settings WHERE scope = $1',
        [scope],
      );
      const row = rows[0];
      return row
        ? { version: Number(row.version), overrides: overridesFromJson(row.overrides) }
        : { version: 0, overrides: {} };
    });
  }

  version(scope: string): Promise<number> {
    return this.#run(async () => {
      const { rows } = await this.#pool.query<{ version: number }>(
        'SELECT version FROM fxb_settings WHERE scope = $1',
        [scope],
      );
      return Number(rows[0]?.version ?? 0);
    });
  }

  write(
    scope: string,
    overrides: SettingsOverrides,
    expectedVersion: number,
    audit: SettingsAuditEntry,
  ): Promise<number | undefined> {
    const json = overridesJson(overrides);
    return this.#run(() =>
      inTransaction(this.#pool, async (client) => {
        const now = this.#now();
        const { rowCount } =
          expectedVersion === 0
            ? await client.query(
                `INSERT INTO fxb_settings (scope, version, overrides, updated_at) VALUES ($1, 1, $2, $3)
                 ON CONFLICT (scope) DO NOTHING`,
                [scope, json, now],
              )
            : await client.query(
                `UPDATE fxb_settings SET version = version + 1, overrides = $2, updated_at = $3
                 WHERE scope = $1 AND version = $4`,
                [scope, json, now, expectedVersion],
              );
        if (rowCount !== 1) return undefined;
        await client.query('INSERT INTO fxb_settings_audit (scope, at, entry) VALUES ($1, $2, $3)', [
          scope,
          audit.at,
          auditJson(audit),
        ]);
        return expectedVersion + 1;
      }),
    );
  }

  audit(scope: string, limit: number): Promise<SettingsAuditEntry[]> {
    return this.#run(async () => {
      const { rows } = await this.#pool.query<{ entry: string }>(
        'SELECT entry FROM fxb_settings_audit WHERE scope = $1 ORDER BY id DESC LIMIT $2',
        [scope, Math.max(0, limit)],
      );
      return rows.map((row) => auditFromJson(row.entry));
    });
  }
}
