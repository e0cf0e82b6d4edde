/**
 * Installations in the SQLite file (migration 4, sqlite-migrations.ts), through the relay store's
 * lock queue: a write waits for the other writes of this process and for other processes' locks
 * as the relays' do.
 */
import type Database from 'better-sqlite3';
import {
  type InstallationStorePort,
  type InstallationWrite,
  installationFromJson,
  installationJson,
  type StoredInstallation,
} from '../installs/port.js';

export interface SqliteAccess {
  db: Database.Database;
  read<T>(operation: () => T): Promise<T>;
  write<T>(operation: () => T): Promise<T>;
  now: () => number;
}

type Row = { version: number; record: string };

export class SqliteInstallations implements InstallationStorePort {
  readonly #access: SqliteAccess;
  readonly #save: Database.Statement<[{ key: string; record: string; now: number }], number>;
  readonly #find: Database.Statement<[string], Row>;
  readonly #replace: Database.Statement<[{ key: string; record: string; now: number; version: number }]>;
  readonly #remove: Database.Statement<[string]>;
  readonly #list: Database.Statement<[string, number], Row>;
  readonly #forget: Database.Statement<[number]>;
  readonly #use: Database.Statement<[string, number]>;

  constructor(access: SqliteAccess) {
    this.#access = access;
    const { db } = access;
    this.#save = db
      .prepare<[{ key: string; record: string; now: number }], number>(
        `INSERT INTO installations (key, version, record, updated_at) VALUES (@key, 1, @record, @now)
         ON CONFLICT (key) DO UPDATE SET version = version + 1, record = excluded.record, updated_at = excluded.updated_at
         RETURNING version`,
      )
      .pluck();
    this.#find = db.prepare('SELECT version, record FROM installations WHERE key = ?');
    this.#replace = db.prepare(
      `UPDATE installations SET version = version + 1, record = @record, updated_at = @now
       WHERE key = @key AND version = @version`,
    );
    this.#remove = db.prepare('DELETE FROM installations WHERE key = ?');
    this.#list = db.prepare('SELECT version, record FROM installations WHERE key > ? ORDER BY key LIMIT ?');
    this.#forget = db.prepare('DELETE FROM used_once WHERE until <= ?');
    this.#use = db.prepare('INSERT INTO used_once (nonce, until) VALUES (?, ?) ON CONFLICT DO NOTHING');
  }

  save(installation: InstallationWrite): Promise<StoredInstallation> {
    const record = installationJson(installation);
    return this.#access.write(() => {
      const version = this.#save.get({ key: installation.key, record, now: this.#access.now() }) as number;
      return installationFromJson(record, version);
    });
  }

  find(key: string): Promise<StoredInstallation | undefined> {
    return this.#access.read(() => {
      const row = this.#find.get(key);
      return row ? installationFromJson(row.record, row.version) : undefined;
    });
  }

  replace(installation: InstallationWrite, expectedVersion: number): Promise<boolean> {
    const params = {
      key: installation.key,
      record: installationJson(installation),
      now: this.#access.now(),
      version: expectedVersion,
    };
    return this.#access.write(() => this.#replace.run(params).changes === 1);
  }

  remove(key: string): Promise<boolean> {
    return this.#access.write(() => this.#remove.run(key).changes === 1);
  }

  list(after: string | undefined, limit: number): Promise<StoredInstallation[]> {
    return this.#access.read(() =>
      this.#list
        .all(after ?? '', Math.max(0, limit))
        .map((row) => installationFromJson(row.record, row.version)),
    );
  }

  useOnce(nonce: string, until: number): Promise<boolean> {
    return this.#access.write(() => {
      this.#forget.run(this.#access.now());
      return this.#use.run(nonce, until).changes === 1;
    });
  }
}
