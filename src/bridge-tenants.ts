/**
 * Install mode's workspaces, each with its own sending bridge (bridge-tenant.ts): built on a
 * workspace's first request (or sweep) once it has connected Fxiaoke, once however many ask at
 * the same moment, and built again when its connection changes (new credentials, another tenant);
 * one that disconnected or uninstalled is retired. Shared by all: the store, the relay work queue,
 * the process's lease identity, the per-user send limit, the metrics and the logs.
 */
import { buildTenant, fingerprintOf, type Tenant, type TenantsOptions } from './bridge-tenant.js';
import type { StoredInstallation } from './installs/port.js';

export type { Tenant, TenantsOptions } from './bridge-tenant.js';

export class Tenants {
  readonly #options: TenantsOptions;
  readonly #live = new Map<string, Tenant>();
  /** Replaced by a newer connection; closed on stop, so relays they carry finish first. */
  readonly #retired: Tenant[] = [];
  readonly #building = new Map<string, Promise<Tenant>>();
  /** The connection each workspace was last asked for: a slower build of an older one never replaces it. */
  readonly #wanted = new Map<string, string>();

  constructor(options: TenantsOptions) {
    this.#options = options;
  }

  /**
   * The workspace's sending bridge for a stored installation; undefined until it has connected
   * Fxiaoke (or after it disconnected). Built once per connection, however many ask at once.
   */
  async forInstallation(stored: StoredInstallation): Promise<Tenant | undefined> {
    const key = stored.key;
    if (!stored.fxiaoke) {
      this.#wanted.delete(key);
      this.#retire(key);
      return undefined;
    }
    const fingerprint = fingerprintOf(stored.fxiaoke);
    this.#wanted.set(key, fingerprint);
    const current = this.#live.get(key);
    if (current?.fingerprint === fingerprint) return current;
    const buildKey = `${key}#${fingerprint}`;
    let building = this.#building.get(buildKey);
    if (!building) {
      building = buildTenant(this.#options, stored, fingerprint).finally(() =>
        this.#building.delete(buildKey),
      );
      this.#building.set(buildKey, building);
    }
    const built = await building;
    if (this.#live.get(key) === built || this.#retired.includes(built)) return built;
    if (this.#wanted.get(key) === fingerprint) {
      this.#retire(key);
      this.#live.set(key, built);
    } else {
      // Read before a newer connection was asked for: it serves the request that read it, no more.
      this.#retired.push(built);
    }
    return built;
  }

  /** Every connected workspace's sending bridge, as the store has them now (sweeps). */
  async connected(): Promise<Map<string, Tenant>> {
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.#options.vault.store.list(after, 100);
      for (const stored of page) {
        const tenant = await this.forInstallation(stored).catch((error: unknown) => {
          this.#options.wiring.logger.error(
            { installation: stored.key, err: error },
            'a connected workspace could not be set up; its relays wait',
          );
          return undefined;
        });
        if (tenant) seen.add(tenant.key);
      }
      const last = page.at(-1);
      if (!last || page.length < 100) break;
      after = last.key;
    }
    // Uninstalled (or disconnected) since: no sending bridge any more.
    for (const key of [...this.#live.keys()]) if (!seen.has(key)) this.#retire(key);
    return new Map(this.#live);
  }

  /** Whether any workspace's jobs hold the relay (queued or running in this process). */
  inHand(relayId: string): boolean {
    for (const tenant of [...this.#live.values(), ...this.#retired]) {
      if (tenant.slack.jobs.inHand(relayId)) return true;
    }
    return false;
  }

  /** Whether any workspace's jobs left the relay unfinished, its sender told it is carried on. */
  leftBehind(relayId: string): boolean {
    for (const tenant of [...this.#live.values(), ...this.#retired]) {
      if (tenant.slack.jobs.leftBehind(relayId)) return true;
    }
    return false;
  }

  /** Held-back store writes of every workspace stop retrying (the process is stopping). */
  abandonWrites(): void {
    for (const tenant of [...this.#live.values(), ...this.#retired]) tenant.abandonWrites();
  }

  async closeAll(): Promise<void> {
    const all = [...this.#live.values(), ...this.#retired];
    this.#live.clear();
    this.#retired.length = 0;
    await Promise.all(all.map((tenant) => tenant.close().catch(() => undefined)));
  }

  #retire(key: string): void {
    const tenant = this.#live.get(key);
    if (!tenant) return;
    this.#live.delete(key);
    this.#retired.push(tenant);
  }
}
