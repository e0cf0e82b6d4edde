/**
 * One installed workspace's sending bridge (install mode), as bridge-tenants.ts asks for it: the
 * single-workspace bridge's parts with the workspace's own — a Fxiaoke client with its tenant's
 * credentials, token cache and rate budget (its own lanes in the limiter all tenants share), its
 * view of the shared store (store/tenant-store.ts), its settings (the config file with what its
 * admins set in App Home, under its own scope), Slack lookups and file downloads with its current
 * bot token, and the same listeners, jobs and presenters in a Bolt app of its own fed by the
 * install app (slack/installs/tenant-receiver.ts).
 */
import { createHash } from 'node:crypto';
import { assembleRelayDeps, type BridgeOptions, type Wiring } from './bridge-steps.js';
import { FxiaokeClient } from './fxiaoke/client.js';
import { tenantConnection } from './fxiaoke/from-config.js';
import { ScopedRateLimiter } from './fxiaoke/scoped-rate-limiter.js';
import type { StoredInstallation } from './installs/port.js';
import type { FxiaokeTenant, InstallationVault } from './installs/vault.js';
import type { Logger } from './logger.js';
import type { FxiaokeSharedState } from './redis/fxiaoke-shared-state.js';
import type { RelayDeps } from './relay/deps.js';
import { relayFacade } from './relay/facade.js';
import { type SendRateLimiter, scopedSendLimiter } from './relay/send-rate.js';
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
import { Closers } from './util/closers.js';

/** A bot token read from the installation is used this long before it is read again. */
const TOKEN_REUSE_MS = 60_000;
/** A user Slack showed as a workspace admin (in their App Home) may edit settings this long. */
const SLACK_ADMIN_MS = 10 * 60_000;

/**
 * Settings in install mode: edited by the `admins` section (the installer from the start) and by
 * the workspace's Slack admins and owners, as Slack showed them when their App Home was published
 * (mayConnect, the same check as Connect Fxiaoke). A forged submission of someone Slack has not
 * shown as an admin lately is refused, as the editor refuses any non-admin.
 */
class WorkspaceSettingsEditor extends SettingsEditor {
  constructor(
    live: LiveSettings,
    store: ReturnType<typeof settingsOf>,
    private readonly slackAdmins: ReadonlyMap<string, number>,
    private readonly clock: () => number,
  ) {
    super(live, store, clock);
  }

  override isAdmin(userId: string): boolean {
    return super.isAdmin(userId) || (this.slackAdmins.get(userId) ?? 0) > this.clock();
  }
}

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
  /** Its held-back store writes stop retrying (the process is stopping). */
  abandonWrites(): void;
  close(): Promise<void>;
}

/** What every workspace's bridge shares with the others (bridge-installs.ts). */
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
export function fingerprintOf(fxiaoke: NonNullable<StoredInstallation['fxiaoke']>): string {
  return createHash('sha256').update(JSON.stringify(fxiaoke)).digest('hex').slice(0, 24);
}

export async function buildTenant(
  shared: TenantsOptions,
  stored: StoredInstallation,
  fingerprint: string,
): Promise<Tenant> {
  const { vault, wiring } = shared;
  const key = stored.key;
  const startedAt = performance.now();
  const tenant = await vault.tenantOf(key);
  if (!tenant) throw new Error(`${key} has no Fxiaoke connection`);
  // Its secrets never reach a log line, whatever an error quotes.
  wiring.scrubber.add(tenant.appSecret);
  wiring.scrubber.add(tenant.permanentCode);
  const log = wiring.logger.child({ installation: key });
  // What it opens, closed in reverse on close — or at once, should the build fail half way.
  const parts = new Closers();
  try {
    const built = await assemble(shared, { stored, fingerprint, tenant, log, parts });
    // Built on a workspace's first request after a (re)connect: this much came before its ack.
    const buildMs = Math.round(performance.now() - startedAt);
    log.info({ fxiaokeBaseUrl: tenant.baseUrl, appId: tenant.appId, buildMs }, 'workspace ready to send');
    return built;
  } catch (error) {
    await parts.closeAll().catch(() => undefined);
    throw error;
  }
}

interface Building {
  stored: StoredInstallation;
  fingerprint: string;
  tenant: FxiaokeTenant;
  log: Logger;
  parts: Closers;
}

async function assemble(shared: TenantsOptions, building: Building): Promise<Tenant> {
  const { wiring, vault, installations, fxShared, work, options } = shared;
  const { config, scrubber, metrics } = wiring;
  const { stored, fingerprint, tenant, log, parts } = building;
  const key = stored.key;
  const tokenCache = fxShared.tokenCacheFor(`${key}:${fingerprint}`);
  parts.add(() => tokenCache.close());
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
  parts.add(() => fxiaoke.close());

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

  // Its settings: the config file with what its admins set in App Home, under its own scope; the
  // installer is an admin from the start (and adds others in the admins section).
  const settingsStore = settingsOf(shared.store);
  const live = new LiveSettings({
    store: settingsStore,
    scope: key,
    file: workspaceFile(config.file, stored),
    log: log.child({ component: 'settings' }),
  });
  parts.add(() => live.stop());
  await live.start();

  const slackAdmins = new Map<string, number>();
  const relay = assembleRelayDeps(wiring, {
    store: new TenantRelayStore(shared.store, key),
    fxiaoke,
    sendLimiter: shared.sendLimiter && scopedSendLimiter(shared.sendLimiter, key),
    lookups: slackLookupsWith(client, log, config.peopleCacheTtlSeconds * 1000),
    botToken,
    log,
    identity: shared.identity,
    tenant: key,
    settings: live.relaySettings,
  });
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
      settings: new WorkspaceSettingsEditor(live, settingsStore, slackAdmins, now),
      // Above the relays: the workspace's connection, and the Connect button for its admins, whom
      // the Settings section below then shows as admins too.
      homeHeader: async (homeClient, userId) => {
        const canConnect = await mayConnect(homeClient, vault, key, userId);
        if (canConnect) slackAdmins.set(userId, now() + SLACK_ADMIN_MS);
        else slackAdmins.delete(userId);
        return connectionBlocks({ connected: { baseUrl: tenant.baseUrl, appId: tenant.appId }, canConnect });
      },
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
  parts.add(() =>
    slack.stop().catch((error: unknown) => log.warn({ err: error }, 'workspace app did not stop cleanly')),
  );
  await slack.start();
  return {
    key,
    fingerprint,
    receiver,
    slack,
    relay: relay.deps,
    noteToken(value) {
      if (value) token = { value, until: now() + TOKEN_REUSE_MS };
    },
    abandonWrites: relay.abandonWrites,
    close: () => parts.closeAll(),
  };
}
