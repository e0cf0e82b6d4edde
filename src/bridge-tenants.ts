/**
 * Install mode's workspaces, each with its own sending bridge: its Fxiaoke client (its tenant's
 * address and credentials, token cache and rate budget), its relay deps over its own view of the
 * shared store (store/tenant-store.ts), its Slack lookups with its bot token, and the same
 * listeners, jobs and presenters as the single-workspace bridge in an app of its own
 * (slack/installs/tenant-receiver.ts). Built on a workspace's first request (or sweep) once it has
 * connected Fxiaoke, and built again when its connection changes (new credentials, another
 * tenant). Shared by all: the store, the relay work queue, the process's lease identity, the
 * per-user send limit, the metrics and the logs.
 */
import { createHash } from 'node:crypto';
import { assembleRelayDeps, type BridgeOptions, type Wiring } from './bridge-steps.js';
import { FxiaokeClient } from './fxiaoke/client.js';
import { tenantConnection } from './fxiaoke/from-config.js';
import { ScopedRateLimiter } from './fxiaoke/scoped-rate-limiter.js';
import type { TokenCache } from './fxiaoke/token-cache.js';
import type { StoredInstallation } from './installs/port.js';
import type { InstallationVault } from './installs/vault.js';
import type { FxiaokeSharedState } from './redis/fxiaoke-shared-state.js';
import type { RelayDeps } from './relay/deps.js';
import { relayFacade } from './relay/facade.js';
import type { SendRateLimiter } from './relay/send-rate.js';
import type { RelayWorkQueue } from './relay/work-queue.js';
import { SettingsEditor } from './settings/editor.js';
import { workspaceFile } from './settings/effective.js';
import { LiveSettings } from './settings/live.js';
import { settingsOf } from './settings/store.js';
import { slackLookupsWith } from './slack/api/lookups.js';
import { InstallationWebClient } from './slack/api/web-client.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { mayConnect } from './slack/installs/connect-listeners.js';
import { connectionBlocks } from './slack/installs/connect-view.js';
import type { VaultInstallationStore } from './slack/installs/installation-store.js';
import { TenantReceiver } from './slack/installs/tenant-receiver.js';
import type { InFlightWork } from './slack/jobs/in-flight.js';
import type { RelayStore } from './store/interface.js';
import { TenantRelayStore } from './store/tenant-store.js';

/** A bot token read from the installation is used this long before it is read again. */
const TOKEN_REUSE_MS = 60_000;

export interface Tenant {
  /** The installation key (`T:<team>` or `E:<enterprise>`). */
  readonly key: string;
  /** Of the stored Fxiaoke connection: a new one (reconnect, key rotation) builds the tenant anew. */
  readonly fingerprint: string;
  readonly receiver: TenantReceiver;
  readonly slack: SlackApp;
  readonly relay: RelayDeps;
  /** Remembers the bot token a request was authorized with (the freshest there is). */
  noteToken(token: string | undefined): void;
  close(): Promise<void>;
}

export interface TenantsOptions {
  wiring: Wiring;
  vault: InstallationVault;
  /** Bolt's installation store over the vault: refreshes a rotating bot token before it runs out. */
  installations: VaultInstallationStore;
  store: RelayStore;
  fxShared: FxiaokeSharedState;
  sendLimiter: SendRateLimiter | undefined;
  work: { work: InFlightWork; queue: RelayWorkQueue };
  /** This process among the lease owners: one id for all its workspaces. */
  identity: Pick<RelayDeps, 'instanceId'>;
  options: BridgeOptions;
}

/** Identifies a workspace's Fxiaoke connection as stored (secrets sealed): any change, a new tenant. */
function fingerprintOf(fxiaoke: NonNullable<StoredInstallation['fxiaoke']>): string {
  return createHash('sha256').update(JSON.stringify(fxiaoke)).digest('hex').slice(0, 24);
}

export class Tenants {
  readonly #options: TenantsOptions;
  readonly #live = new Map<string, Tenant>();
  /** Replaced by a newer connection; closed on stop, so relays they carry finish first. */
  readonly #retired: Tenant[] = [];
  readonly #building = new Map<string, Promise<Tenant>>();
  #writesAbandoned: (() => void)[] = [];

  constructor(options: TenantsOptions) {
    this.#options = options;
  }

  /**
   * The workspace's sending bridge for a stored installation; undefined until it has connected
   * Fxiaoke (or after it disconnected). Built once per connection, however many ask at once.
   */
  async forInstallation(stored: StoredInstallation): Promise<Tenant | undefined> {
    if (!stored.fxiaoke) {
      this.#retire(stored.key);
      return undefined;
    }
    const fingerprint = fingerprintOf(stored.fxiaoke);
    const current = this.#live.get(stored.key);
    if (current?.fingerprint === fingerprint) return current;
    const buildKey = `${stored.key}#${fingerprint}`;
    let building = this.#building.get(buildKey);
    if (!building) {
      building = this.#build(stored, fingerprint).finally(() => this.#building.delete(buildKey));
      this.#building.set(buildKey, building);
    }
    const built = await building;
    if (this.#live.get(stored.key) !== built) {
      this.#retire(stored.key);
      this.#live.set(stored.key, built);
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

  /** Held-back store writes of every workspace stop retrying (the process is stopping). */
  abandonWrites(): void {
    for (const abandon of this.#writesAbandoned) abandon();
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

  async #build(stored: StoredInstallation, fingerprint: string): Promise<Tenant> {
    const { wiring, vault, installations, fxShared, work, options } = this.#options;
    const { config, logger, scrubber, metrics } = wiring;
    const key = stored.key;
    const startedAt = performance.now();
    const tenant = await vault.tenantOf(key);
    if (!tenant) throw new Error(`${key} has no Fxiaoke connection`);
    // Its secrets never reach a log line, whatever an error quotes.
    scrubber.add(tenant.appSecret);
    scrubber.add(tenant.permanentCode);
    const log = logger.child({ installation: key });
    const tokenCache: TokenCache = fxShared.tokenCacheFor(`${key}:${fingerprint}`);
    const fxiaoke = new FxiaokeClient({
      ...tenantConnection(config.fxiaoke, tenant),
      retry: { maxRetries: config.fxiaoke.maxRetries },
      now: options.now,
      sleep: options.sleep,
      // The tenant's own budget of every endpoint, inside the limiter all tenants share.
      rateLimiter: new ScopedRateLimiter(fxShared.rateLimiter, key),
      tokenCache,
      onQueued: (info) => log.debug({ fxiaoke: info }, 'Fxiaoke call queued for the rate limit'),
      onToken: (token, source) => {
        scrubber.add(token);
        if (source === 'fetched') metrics.observeTokenFetch(key);
        log.info({ source }, 'Fxiaoke token issued');
      },
      onCall: (event) => {
        metrics.observeFxiaokeCall(event, key);
        log.debug({ fxiaoke: event }, 'Fxiaoke call');
      },
    });
    const query = {
      teamId: stored.teamId,
      enterpriseId: stored.enterpriseId,
      isEnterpriseInstall: stored.isEnterpriseInstall,
    };
    let token: { value: string; until: number } | undefined;
    const now = options.now ?? Date.now;
    const botToken = async (): Promise<string> => {
      if (token && token.until > now()) return token.value;
      const installation = await installations.fetchInstallation(query);
      const value = installation.bot?.token;
      if (!value) throw new Error(`${key} has no bot token (uninstalled?)`);
      token = { value, until: now() + TOKEN_REUSE_MS };
      return value;
    };
    const client = new InstallationWebClient(botToken, config.slack.apiUrl, { logger: log });
    // Its settings: the config file with what its admins set in App Home, under its own scope;
    // the installer is an admin from the start (and adds others in the admins section).
    const settingsStore = settingsOf(this.#options.store);
    const live = new LiveSettings({
      store: settingsStore,
      scope: key,
      file: workspaceFile(config.file, stored),
      log: log.child({ component: 'settings' }),
    });
    await live.start();
    const relay = assembleRelayDeps(wiring, {
      store: new TenantRelayStore(this.#options.store, key),
      fxiaoke,
      sendLimiter: this.#options.sendLimiter,
      lookups: slackLookupsWith(client, log, config.peopleCacheTtlSeconds * 1000),
      botToken,
      log,
      identity: this.#options.identity,
      tenant: key,
      settings: live.relaySettings,
    });
    this.#writesAbandoned.push(relay.abandonWrites);
    const receiver = new TenantReceiver();
    const slack = await createSlackApp({
      slack: config.slack,
      port: 0,
      context: {
        relay: relayFacade(relay.deps),
        profiles: relay.profiles,
        logger: log,
        work: work.work,
        queue: work.queue,
        takeovers: { takenOver: (status) => metrics.takeovers.inc({ status }) },
        settings: new SettingsEditor(live, settingsStore, options.now),
        // Above the relays: the workspace's connection, and the Connect button for its admins.
        homeHeader: async (homeClient, userId) =>
          connectionBlocks({
            connected: { baseUrl: tenant.baseUrl, appId: tenant.appId },
            canConnect: await mayConnect(homeClient, vault, key, userId),
          }),
      },
      customRoutes: [],
      onAck: (type, seconds) => metrics.observeAck(type, seconds),
      embedded: {
        receiver,
        client,
        // The install app authorized the request; its token, bot ids and team travel with it.
        authorize: async (_source, body) => {
          const given = receiver.authorizationOf(body);
          if (given?.botToken) return given;
          const installation = await installations.fetchInstallation(query);
          return {
            botToken: installation.bot?.token,
            botId: installation.bot?.id,
            botUserId: installation.bot?.userId,
          };
        },
      },
    });
    await slack.start();
    // Built on a workspace's first request after a (re)connect: this much came before its ack.
    const buildMs = Math.round(performance.now() - startedAt);
    log.info({ fxiaokeBaseUrl: tenant.baseUrl, appId: tenant.appId, buildMs }, 'workspace ready to send');
    return {
      key,
      fingerprint,
      receiver,
      slack,
      relay: relay.deps,
      noteToken(value) {
        if (value) token = { value, until: now() + TOKEN_REUSE_MS };
      },
      async close() {
        await slack.stop().catch(() => undefined);
        live.stop();
        await fxiaoke.close();
        await tokenCache.close();
      },
    };
  }
}
