/**
 * Install mode's wiring (SLACK_CLIENT_ID without SLACK_BOT_TOKEN): config → store → installations
 * vault (the secret key checked against what is stored) → the shared parts of sending (the
 * Fxiaoke rate limiter and token caches, the per-user send limit, the relay work queue) → each
 * connected workspace's own sending bridge, built on demand (bridge-tenants.ts) → the install app,
 * which serves installs and Connect Fxiaoke and routes every other request to its workspace's
 * bridge (slack/installs/routing.ts) → health routes → the sweeps that take over relays a stopped
 * process left, each by its own workspace's bridge.
 */
import type { DestinationStream } from 'pino';
import {
  type BridgeOptions,
  openRelayStore,
  openRelayWork,
  openRetention,
  openSendLimiter,
  openSharedFxiaokeState,
  type Wiring,
} from './bridge-steps.js';
import { openTenantSweep } from './bridge-tenant-sweep.js';
import { Tenants } from './bridge-tenants.js';
import { type Config, secretsOf } from './config.js';
import { BridgeMetrics } from './http/metrics.js';
import { healthRoutes } from './http/routes.js';
import { InstallationVault } from './installs/vault.js';
import { createLogger, type Logger } from './logger.js';
import { newInstanceId } from './relay/deps.js';
import { SecretBoxError, secretBoxOf } from './secrets/secret-box.js';
import { slackClientWithoutToken } from './slack/api/web-client.js';
import { createInstallApp, INSTALL_PATH, REDIRECT_PATH } from './slack/installs/app.js';
import { VaultInstallationStore } from './slack/installs/installation-store.js';
import { TokenRefresher } from './slack/installs/token-refresh.js';
import { describeStore } from './started-line.js';
import { StoreConfigurationError } from './store/errors.js';
import { installationsOf } from './store/index.js';
import type { RelayStore } from './store/interface.js';
import { Closers } from './util/closers.js';
import { beforeDeadline } from './util/deadline.js';

export interface InstallBridgeOptions extends Pick<BridgeOptions, 'drainTimeoutMs' | 'sleep'> {
  logDestination?: DestinationStream;
  now?: () => number;
}

export interface InstallBridge {
  readonly logger: Logger;
  readonly store: RelayStore;
  readonly vault: InstallationVault;
  readonly tenants: Tenants;
  readonly metrics: BridgeMetrics;
  port: number;
  stop(): Promise<void>;
}

/** Stored installations that FX_BRIDGE_SECRET_KEY cannot open: the start is refused (exit 78). */
export class SecretKeyMismatchError extends StoreConfigurationError {
  override readonly code = 'secret_key_mismatch';
}

export async function startInstallBridge(
  config: Config,
  options: InstallBridgeOptions = {},
): Promise<InstallBridge> {
  const installs = config.installs;
  if (!installs)
    throw new Error('startInstallBridge needs install mode (SLACK_CLIENT_ID without SLACK_BOT_TOKEN)');
  const { logger, scrubber } = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: options.logDestination,
    format: config.logFormat,
  });
  const wiring: Wiring = {
    config,
    options,
    logger,
    scrubber,
    metrics: new BridgeMetrics({ perTenant: true }),
  };
  const closers = new Closers();
  let shuttingDown = false;
  try {
    const store = await openRelayStore(wiring, closers);
    const vault = new InstallationVault(installationsOf(store), secretBoxOf(installs), options.now);
    await refuseWrongKey(vault);
    const installations = new VaultInstallationStore(
      vault,
      new TokenRefresher({
        vault,
        client: slackClientWithoutToken(config.slack.apiUrl, { logger }),
        clientId: installs.clientId,
        clientSecret: installs.clientSecret,
        logger,
      }),
      options.now,
      // An installation read authorizes a request that has Slack's 3 s: no longer than an intake.
      config.work.intakeTimeoutMs,
    );
    // Shared by every workspace: one rate limiter (each tenant counted apart in it), token caches
    // made per tenant, the per-user send limit, one queue of relay work, one lease identity.
    const fxShared = await openSharedFxiaokeState(wiring, closers);
    const sendLimiter = openSendLimiter(wiring, fxShared);
    // Closed after the relays under way drained (closers run in reverse): built just below.
    let tenants: Tenants | undefined;
    closers.add(() => tenants?.closeAll());
    openRetention(wiring, closers, store);
    const work = openRelayWork(wiring, closers, {
      ms: options.drainTimeoutMs ?? 25_000,
      abandonWrites: () => tenants?.abandonWrites(),
    });
    const workspaces = new Tenants({
      wiring,
      vault,
      installations,
      store,
      fxShared,
      sendLimiter,
      work,
      identity: { instanceId: newInstanceId() },
      options,
    });
    tenants = workspaces;
    const slack = createInstallApp({
      slack: config.slack,
      installs,
      port: config.port,
      vault,
      installationStore: installations,
      logger,
      customRoutes: healthRoutes({
        store,
        metrics: wiring.metrics,
        isShuttingDown: () => shuttingDown,
        log: logger.child({ component: 'readyz' }),
      }),
      tenants: async (key) => {
        // The installation the request's authorization just read: no second read on the ack path.
        const just = installations.recentlyRead(key, 1_000);
        if (just) return workspaces.forInstallation(just);
        // Bounded as the authorization's read was: a store that stops answering now is "not now".
        const read = await beforeDeadline(vault.find(key), config.work.intakeTimeoutMs);
        if (!read.inTime) throw new Error(`the installation of ${key} could not be read in time`);
        return read.value ? workspaces.forInstallation(read.value) : undefined;
      },
    });
    const port = await slack.start();
    closers.add(() =>
      slack.stop().catch((error: unknown) => logger.warn({ err: error }, 'Slack app did not stop cleanly')),
    );
    logger.info(
      {
        mode: 'http',
        installs: true,
        port,
        slackEventsUrl: `http://localhost:${port}/slack/events`,
        installUrl: `http://localhost:${port}${INSTALL_PATH}`,
        redirectUrl: `http://localhost:${port}${REDIRECT_PATH}`,
        store: describeStore(config.storeUrl),
      },
      'fx-bridge started (install mode)',
    );
    await openTenantSweep(wiring, closers, store, workspaces);
    let stopping: Promise<void> | undefined;
    return {
      logger,
      store,
      vault,
      tenants: workspaces,
      metrics: wiring.metrics,
      port,
      stop() {
        stopping ??= (async () => {
          shuttingDown = true;
          await closers.closeAll();
          logger.info('fx-bridge stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closers.closeAll().catch(() => undefined);
    throw error;
  }
}

async function refuseWrongKey(vault: InstallationVault): Promise<void> {
  const { seen, failures } = await vault.unreadable();
  const first = failures[0];
  if (!first) return;
  const reason = first.error instanceof SecretBoxError ? first.error.message : String(first.error);
  throw new SecretKeyMismatchError(
    `FX_BRIDGE_SECRET_KEY does not open ${failures.length} of the ${seen} stored installations (the first: ${first.key}). ${reason}`,
  );
}
