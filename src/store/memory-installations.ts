/** Installations in memory (STORE_URL=memory:, tests): the contract's behaviour, nothing kept. */
import {
  type InstallationStorePort,
  type InstallationWrite,
  installationFromJson,
  installationJson,
  type StoredInstallation,
} from '../installs/port.js';

export class MemoryInstallations implements InstallationStorePort {
  // Kept as text, as the other stores keep it: a caller's later change to an object never leaks in.
  readonly #rows = new Map<string, { version: number; json: string }>();
  readonly #used = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async save(installation: InstallationWrite): Promise<StoredInstallation> {
    const version = (this.#rows.get(installation.key)?.version ?? 0) + 1;
    const json = installationJson(installation);
    this.#rows.set(installation.key, { version, json });
    return installationFromJson(json, version);
  }

  async find(key: string): Promise<StoredInstallation | undefined> {
    const row = this.#rows.get(key);
    return row ? installationFromJson(row.json, row.version) : undefined;
  }

  async replace(installation: InstallationWrite, expectedVersion: number): Promise<boolean> {
    const row = this.#rows.get(installation.key);
    if (row?.version !== expectedVersion) return false;
    this.#rows.set(installation.key, { version: row.version + 1, json: installationJson(installation) });
    return true;
  }

  async remove(key: string): Promise<boolean> {
    return this.#rows.delete(key);
  }

  async list(after: string | undefined, limit: number): Promise<StoredInstallation[]> {
    return [...this.#rows.keys()]
      .filter((key) => after === undefined || key > after)
      .sort()
      .slice(0, Math.max(0, limit))
      .map((key) => {
        const row = this.#rows.get(key) as { version: number; json: string };
        return installationFromJson(row.json, row.version);
      });
  }

  async useOnce(nonce: string, until: number): Promise<boolean> {
    const now = this.#now();
    for (const [used, expires] of this.#used) if (expires <= now) this.#used.delete(used);
    if (this.#used.has(nonce)) return false;
    this.#used.set(nonce, until);
    return true;
  }
}
