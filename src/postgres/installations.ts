/** Installations on PostgreSQL (migration 3, migrations.ts): one row per installation, `version` compared by `replace`. */
import type pg from 'pg';
import {
  type InstallationStorePort,
  type InstallationWrite,
  installationFromJson,
  installationJson,
  type StoredInstallation,
} from '../installs/port.js';

type Row = { version: number; record: string };

export class PostgresInstallations implements InstallationStorePort {
  readonly #pool: pg.Pool;
  readonly #run: <T>(operation: () => Promise<T>) => Promise<T>;
  readonly #now: () => number;

  /** `run` turns failures into StoreErrors, as the relay store's calls do. */
  constructor(pool: pg.Pool, run: <T>(operation: () => Promise<T>) => Promise<T>, now: () => number) {
    this.#pool = pool;
    this.#run = run;
    this.#now = now;
  }

  save(installation: InstallationWrite): Promise<StoredInstallation> {
    const record = installationJson(installation);
    return this.#run(async () => {
      const { rows } = await this.#pool.query<{ version: number }>(
        `INSERT INTO fxb_installations (key, version, record, updated_at) VALUES ($1, 1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET version = fxb_installations.version + 1,
           record = excluded.record, updated_at = excluded.updated_at
         RETURNING version`,
        [installation.key, record, this.#now()],
      );
      return installationFromJson(record, Number(rows[0]?.version));
    });
  }

  find(key: string): Promise<StoredInstallation | undefined> {
    return this.#run(async () => {
      const { rows } = await this.#pool.query<Row>(
        'SELECT version, record FROM fxb_installations WHERE key = $1',
        [key],
      );
      const row = rows[0];
      return row ? installationFromJson(row.record, Number(row.version)) : undefined;
    });
  }

  replace(installation: InstallationWrite, expectedVersion: number): Promise<boolean> {
    return this.#run(async () => {
      const { rowCount } = await this.#pool.query(
        `UPDATE fxb_installations SET version = version + 1, record = $2, updated_at = $3
         WHERE key = $1 AND version = $4`,
        [installation.key, installationJson(installation), this.#now(), expectedVersion],
      );
      return rowCount === 1;
    });
  }

  remove(key: string): Promise<boolean> {
    return this.#run(async () => {
      const { rowCount } = await this.#pool.query('DELETE FROM fxb_installations WHERE key = $1', [key]);
      return rowCount === 1;
    });
  }

  list(after: string | undefined, limit: number): Promise<StoredInstallation[]> {
    return this.#run(async () => {
      const { rows } = await this.#pool.query<Row>(
        'SELECT version, record FROM fxb_installations WHERE key > $1 ORDER BY key COLLATE "C" LIMIT $2',
        [after ?? '', Math.max(0, limit)],
      );
      return rows.map((row) => installationFromJson(row.record, Number(row.version)));
    });
  }

  useOnce(nonce: string, until: number): Promise<boolean> {
    return this.#run(async () => {
      await this.#pool.query('DELETE FROM fxb_used_once WHERE until <= $1', [this.#now()]);
      const { rowCount } = await this.#pool.query(
        'INSERT INTO fxb_used_once (nonce, until) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [nonce, until],
      );
      return rowCount === 1;
    });
  }
}
