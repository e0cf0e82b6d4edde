/**
 * Wiring: config → store → Fxiaoke client → relay deps → Slack app → HTTP routes, as a sequence of
 * `open…` steps (bridge-steps.ts). Kept apart from main.ts so tests start real bridges in-process,
 * stop them and start them again on the same store.
 */
import {
  type BridgeOptions,
  openFxiaokeClient,
  openRelayDeps,
  openRelayStore,
  openRelayWork,
  openRetention,
  openSharedFxiaokeState,
  openSlack,
  openStoreDurability,
  openTakeoverSweep,
  type Wiring,
} from './bridge-steps.js';
import { type Config, secretsOf } from './config.js';
import type { FxiaokeClient } from './fxiaoke/client.js';
import { BridgeMetrics } from './http/metrics.js';
import { createLogger, type Logger } from './logger.js';
import type { RelayDeps } from './relay/deps.js';
import { handOff } from './relay/handoff.js';
import type { RelayRecord } from './relay/types.js';
import { openLiveSettings } from './settings/open.js';
import type { SlackApp } from './slack/app.js';
import type { PortableResponseUrl } from './slack/jobs/answer.js';
import type { HandOff } from './slack/jobs/port.js';
import { startedFields } from './started-line.js';
import type { RelayStore } from './store/interface.js';
import { Closers } from './util/closers.js';
import { ForkedWorker } from './workers/fork.js';

export type { BridgeOptions } from './bridge-steps.js';

/** The worker this receiver forked (RELAY_WORKERS=fork), stopped after the Slack side and the hand-offs. */
function openForkedWorker(
  wiring: Wiring,
  closers: Closers,
  receiver: Pick<RelayDeps, 'instanceId' | 'leaseMs'>,
): ForkedWorker {
  const worker = new ForkedWorker(wiring.config, receiver.instanceId, wiring.logger, receiver.leaseMs);
  worker.start();
  // The worker's metrics in this process's /metrics, labelled process="relay-worker".
  wiring.metrics.showAlso(() => worker.metrics(1_000));
  closers.add(() => worker.stop(wiring.options.drainTimeoutMs ?? 25_000));
  return worker;
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
  /** The process id of the relay worker this bridge forked (RELAY_WORKERS=fork) while it runs. */
  readonly relayWorkerPid: number | undefined;
  /** Stops taking requests, waits for relays under way, closes the store. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Each `open…` step below opens one part and adds its closer; `stop()` (and a start that fails
 * half way) closes them in reverse order: Slack first, so no new request comes in, then the relays
 * under way drain, then the Fxiaoke client, its shared state and last the store they write to.
 */
export async function startBridge(config: Config, options: BridgeOptions = {}): Promise<Bridge> {
  const { logger, scrubber } = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: options.logDestination,
    format: config.logFormat,
  });
  const wiring: Wiring = { config, options, logger, scrubber, metrics: new BridgeMetrics() };
  const closers = new Closers();
  let shuttingDown = false;
  try {
    // First: a Redis that evicts keys is refused before anything is written to it.
    const durability = await openStoreDurability(wiring, closers);
    const store = await openRelayStore(wiring, closers);
    const fxShared = await openSharedFxiaokeState(wiring, closers);
    const fxiaoke = openFxiaokeClient(wiring, closers, fxShared);
    // The config file with what admins set in App Home, kept current from the store.
    const settings = await openLiveSettings(wiring, closers, store);
    // RELAY_WORKERS: a receiver hands sends off to workers; forked here, or run apart (`none`).
    const mode = config.relayWorkers;
    let forked: ForkedWorker | undefined;
    const relay = openRelayDeps(
      wiring,
      store,
      fxiaoke,
      fxShared,
      mode === 'fork'
        ? { siblings: () => forked?.siblings() ?? [] }
        : mode === 'none'
          ? { exclusiveStore: false }
          : {},
      settings.live.relaySettings,
    );
    openRetention(wiring, closers, store);
    if (mode === 'fork') forked = openForkedWorker(wiring, closers, relay.deps);
    // `fork`: telling the worker is the hand-off (no store write); `none`: a write any worker finds.
    // Revokes too with `fork` (its worker can be told of them); with `none` they run here.
    const handOffTo: HandOff | undefined =
      mode === 'fork'
        ? {
            send: async (record: RelayRecord, responseUrl?: PortableResponseUrl) =>
              forked?.notify(record.id, responseUrl),
            revoke: async (revoke) => forked?.notifyRevoke(revoke),
            update: async (update) => forked?.notifyUpdate(update),
          }
        : mode === 'none'
          ? {
              send: async (record: RelayRecord) => {
                await handOff(relay.deps, record);
              },
            }
          : undefined;
    // How long a stop waits for relays under way: inside Docker's (and the chart's) 30 s grace.
    const drainMs = options.drainTimeoutMs ?? 25_000;
    const work = openRelayWork(wiring, closers, { ms: drainMs, abandonWrites: relay.abandonWrites });
    const { slack, port } = await openSlack(wiring, closers, {
      store,
      fxiaoke,
      relay: relay.deps,
      profiles: relay.profiles,
      work,
      isShuttingDown: () => shuttingDown,
      durability,
      ...(handOffTo ? { handOff: handOffTo } : {}),
      settings: settings.editor,
    });
    logger.info(
      { ...startedFields(config, port), ...(mode === 'inline' ? {} : { relayWorkers: mode }) },
      'fx-bridge started',
    );
    // With workers, they take over what nobody is doing; this process only takes requests.
    if (mode === 'inline') await openTakeoverSweep(wiring, closers, relay.deps, slack.jobs);

    let stopping: Promise<void> | undefined;
    return {
      logger,
      store,
      fxiaoke,
      relay: relay.deps,
      metrics: wiring.metrics,
      slack,
      port,
      get relayWorkerPid() {
        return forked?.pid;
      },
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
    // A start that fails (bad bot token, port in use) must not leave the store locked open.
    await closers.closeAll().catch(() => undefined);
    throw error;
  }
}
