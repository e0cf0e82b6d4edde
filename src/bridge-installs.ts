/**
 * Install mode's wiring (SLACK_CLIENT_ID without SLACK_BOT_TOKEN): config → store → installations
 * vault (the secret key checked against what is stored) → the Bolt app with Slack's OAuth → health
 * routes. No Fxiaoke client and no relay work: no workspace can connect a tenant yet, so nothing
 * is ever sent in this mode (slack/installs/listeners.ts says so to whoever asks).
 */
import type { DestinationStream } from 'pino';
import { type Config, secretsOf } from './config.js';
import { BridgeMetrics } from './http/metrics.js';
import { healthRoutes } from './http/routes.js';
import { InstallationVault } from './installs/vault.js';
import { createLogger, type Logger } from './logger.js';
import { SecretBoxError, secretBoxOf } from './secrets/secret-box.js';
import { createInstallApp, INSTALL_PATH, REDIRECT_PATH } from './slack/installs/app.js';
import { describeStore } from './started-line.js';
import { StoreConfigurationError, StoreOpenError } from './store/errors.js';
import { installationsOf, openStore } from './store/index.js';
import type { RelayStore } from './store/interface.js';
import { Closers } from './util/closers.js';

export interface InstallBridgeOptions {
  logDestination?: DestinationStream;
  now?: () => number;
}

export interface InstallBridge {
  readonly logger: Logger;
  readonly store: RelayStore;
  readonly vault: InstallationVault;
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
  const { logger } = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: options.logDestination,
    format: config.logFormat,
  });
  const closers = new Closers();
  try {
    const store = await openStore(config.storeUrl, {
      now: options.now,
      redisKeyPrefix: config.redisKeyPrefix,
      postgres: config.postgres,
    }).catch((error: unknown) => {
      throw new StoreOpenError(config.storeUrl, error);
    });
    closers.add(() => store.close());
    const vault = new InstallationVault(installationsOf(store), secretBoxOf(installs), options.now);
    await refuseWrongKey(vault);
    const metrics = new BridgeMetrics();
    const slack = createInstallApp({
      slack: config.slack,
      installs,
      port: config.port,
      vault,
      logger,
      customRoutes: healthRoutes({ store, metrics, log: logger.child({ component: 'readyz' }) }),
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
    let stopping: Promise<void> | undefined;
    return {
      logger,
      store,
      vault,
      port,
      stop() {
        stopping ??= closers.closeAll().then(() => logger.info('fx-bridge stopped'));
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
