/**
 * Wiring: config → store → Fxiaoke client → relay deps → Slack app → HTTP routes. Kept apart from
 * main.ts so tests start real bridges in-process, stop them and start them again on the same store.
 */
import type { DestinationStream } from 'pino';
import { type Config, secretsOf } from './config.js';
import { FxiaokeClient } from './fxiaoke/client.js';
import { BridgeMetrics } from './http/metrics.js';
import { healthRoutes } from './http/routes.js';
import { createLogger, type Logger } from './logger.js';
import { type RelayDeps, relayDeps } from './relay/deps.js';
import { recoverInterruptedRelays } from './relay/recovery.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { openStore } from './store/index.js';
import type { RelayStore } from './store/interface.js';

export interface BridgeOptions {
  logDestination?: DestinationStream;
  /** Skip auth.test at start-up (tests). */
  botId?: string;
  botUserId?: string;
  /** Backoff sleeps in the Fxiaoke client (tests make them instant). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface Bridge {
  readonly logger: Logger;
  readonly store: RelayStore;
  readonly fxiaoke: FxiaokeClient;
  readonly relay: RelayDeps;
  readonly metrics: BridgeMetrics;
  readonly slack: SlackApp;
  /** The HTTP port actually bound (PORT=0 picks a free one). */
  port: number;
  stop(): Promise<void>;
}

export async function startBridge(config: Config, options: BridgeOptions = {}): Promise<Bridge> {
  const { logger, scrubber } = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: options.logDestination,
  });
  const metrics = new BridgeMetrics();
  const store = await openStore(config.storeUrl, { now: options.now });
  const fx = config.fxiaoke;
  const fxiaoke = new FxiaokeClient({
    baseUrl: fx.baseUrl,
    appId: fx.appId,
    appSecret: fx.appSecret,
    permanentCode: fx.permanentCode,
    authMode: fx.authMode,
    userId: fx.userId,
    serviceId: fx.serviceId,
    timeoutMs: fx.timeoutMs,
    retry: { maxRetries: fx.maxRetries },
    now: options.now,
    sleep: options.sleep,
    onToken: (token) => {
      scrubber.add(token);
      metrics.tokenFetches.inc();
      logger.info({ authMode: fx.authMode }, 'Fxiaoke token issued');
    },
    onCall: (event) => {
      metrics.observeFxiaokeCall(event);
      logger.debug({ fxiaoke: event }, 'Fxiaoke call');
    },
  });
  const relay = relayDeps({
    store,
    fxiaoke,
    settings: config.file,
    log: logger,
    ...(options.now ? { now: options.now } : {}),
  });

  const recovered = await recoverInterruptedRelays(relay);
  if (recovered.length > 0)
    logger.warn({ count: recovered.length }, 'relays interrupted by a previous stop were recovered');

  let shuttingDown = false;
  const slack = await createSlackApp({
    slack: config.slack,
    port: config.port,
    context: { relay, logger },
    customRoutes: healthRoutes({ store, fxiaoke, metrics, isShuttingDown: () => shuttingDown }),
    botId: options.botId,
    botUserId: options.botUserId,
  });
  const port = await slack.start();
  logger.info(
    { mode: config.slack.mode, port, store: config.storeUrl.split(':')[0], revocable: Boolean(fx.serviceId) },
    'fx-bridge started',
  );

  return {
    logger,
    store,
    fxiaoke,
    relay,
    metrics,
    slack,
    port,
    async stop() {
      shuttingDown = true;
      await slack
        .stop()
        .catch((error: unknown) => logger.warn({ err: error }, 'Slack app did not stop cleanly'));
      await fxiaoke.close();
      await store.close();
      logger.info('fx-bridge stopped');
    },
  };
}
