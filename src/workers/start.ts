/**
 * A worker process (RELAY_WORKERS fork|none; `fx-bridge worker`): the relay half of the bridge
 * without Slack's requests. It opens the same store, Fxiaoke client and relay work queue as the
 * bridge (bridge-steps.ts), claims the sends receivers handed off (relay/handoff.ts), takes over
 * work nobody is doing, and answers through the same presenter (slack/worker-jobs.ts).
 */
import {
  type BridgeOptions,
  openFxiaokeClient,
  openRelayDeps,
  openRelayStore,
  openRelayWork,
  openSharedFxiaokeState,
  openTakeoverSweep,
  type Wiring,
} from '../bridge-steps.js';
import { type Config, secretsOf } from '../config.js';
import { BridgeMetrics } from '../http/metrics.js';
import { healthRoutes } from '../http/routes.js';
import { closeServer, customRoutesServer, listen } from '../http/server.js';
import { createLogger, type Logger } from '../logger.js';
import type { RelayDeps } from '../relay/deps.js';
import { relayFacade } from '../relay/facade.js';
import { claimHandedOff, claimRevokeFrom } from '../relay/handoff.js';
import { openLiveSettings } from '../settings/open.js';
import type { PortableResponseUrl } from '../slack/jobs/answer.js';
import type { HandedOffRevoke, HandedOffUpdate } from '../slack/jobs/port.js';
import type { RelayJobs } from '../slack/jobs/relay-jobs.js';
import { createWorkerJobs } from '../slack/worker-jobs.js';
import { Closers } from '../util/closers.js';

export interface WorkerOptions extends BridgeOptions {
  /** Lease owner identity (a forked worker's is chosen by its receiver, which knows it as a sibling). */
  identity?: Partial<Pick<RelayDeps, 'instanceId' | 'exclusiveStore' | 'siblings'>>;
  /** How often handed-off relays are looked for in the store (default 500 ms). */
  handedOffEveryMs?: number;
  /** The receiver that forked this worker: what it tells this worker is this worker's to claim. */
  receiverId?: string;
  /** WORKER_PORT: serve `/healthz`, `/readyz` and `/metrics` here (`fx-bridge worker`); none when absent. */
  port?: number;
}

export interface Worker {
  readonly logger: Logger;
  readonly relay: RelayDeps;
  readonly jobs: RelayJobs;
  /**
   * The receiver told of `relayId`: claimed now and queued here, as the receiver would have queued
   * it, and answered through the door's response_url when it came along.
   */
  notify(relayId: string, responseUrl?: PortableResponseUrl): void;
  /**
   * The receiver handed off a revoke (its relays claimed under its lease): claimed from it now,
   * revoked here and answered where the receiver would have. A forked worker's only.
   */
  revoke(handed: HandedOffRevoke): void;
  /** The receiver handed off an update (claimed under its lease): claimed from it, carried out here. */
  update(handed: HandedOffUpdate): void;
  /** This worker's metrics as prom-client's JSON, labelled `process="relay-worker"` (the receiver shows them). */
  metricsJson(): Promise<unknown[]>;
  stop(): Promise<void>;
}

export async function startWorker(config: Config, options: WorkerOptions = {}): Promise<Worker> {
  const { logger: root, scrubber } = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: options.logDestination,
    format: config.logFormat,
  });
  const logger = root.child({ role: 'worker' });
  // Its series carry `process="relay-worker"`, so beside the receiver's in its /metrics they stay apart.
  const metrics = new BridgeMetrics();
  metrics.registry.setDefaultLabels({ process: 'relay-worker' });
  const wiring: Wiring = { config, options, logger, scrubber, metrics };
  const closers = new Closers();
  try {
    const store = await openRelayStore(wiring, closers);
    const fxShared = await openSharedFxiaokeState(wiring, closers);
    const fxiaoke = openFxiaokeClient(wiring, closers, fxShared);
    // Workers carry sends out with the settings in force too (templates, routes, aliases).
    const settings = await openLiveSettings(wiring, closers, store);
    const relay = openRelayDeps(
      wiring,
      store,
      fxiaoke,
      fxShared,
      options.identity,
      settings.live.relaySettings,
    );
    const work = openRelayWork(
      wiring,
      closers,
      { ms: options.drainTimeoutMs ?? 25_000, abandonWrites: relay.abandonWrites },
      false,
    );
    const jobs = createWorkerJobs(config.slack, {
      relay: relayFacade(relay.deps),
      profiles: relay.profiles,
      logger,
      work: work.work,
      queue: work.queue,
      takeovers: { takenOver: (status) => wiring.metrics.takeovers.inc({ status }) },
      // A Home this worker publishes (a revoke's answer) shows admins their Settings too.
      settings: settings.editor,
    });
    // Claimed relays wait in this worker's queue, their leases not renewed until they start: only
    // so many are claimed ahead, and the rest stay handed off for another worker or a later look.
    const ahead = Math.max(64, config.work.relayConcurrency * 8);
    const room = () => ahead - work.queue.backlog;
    let stopped = false;
    await openTakeoverSweep(wiring, closers, relay.deps, jobs, {
      handedOffEveryMs: options.handedOffEveryMs ?? 500,
      handedOffLimit: () => (stopped ? 0 : room()),
    });
    closers.add(() => {
      stopped = true;
    });
    // Health and metrics for probes and Prometheus, when asked for; closed first on a stop.
    let port: number | undefined;
    if (options.port !== undefined) {
      const server = customRoutesServer(
        healthRoutes({
          store,
          fxiaoke,
          metrics,
          isShuttingDown: () => stopped,
          log: logger.child({ component: 'readyz' }),
        }),
      );
      port = await listen(server, options.port);
      closers.add(() => closeServer(server));
    }
    logger.info(
      { instanceId: relay.deps.instanceId, ...(port !== undefined ? { port } : {}) },
      'fx-bridge worker started',
    );
    let stopping: Promise<void> | undefined;
    return {
      logger,
      relay: relay.deps,
      jobs,
      metricsJson: () => metrics.registry.getMetricsAsJSON(),
      notify(relayId, responseUrl) {
        if (stopped) return;
        claimHandedOff(relay.deps, relayId, options.receiverId).then(
          (record) => {
            if (record) jobs.carryOutHandedOff(record, responseUrl);
          },
          (error: unknown) => logger.warn({ err: error, relayId }, 'could not claim a handed-off relay'),
        );
      },
      revoke(handed) {
        const from = options.receiverId;
        if (stopped || from === undefined) return;
        const claims = handed.relayIds.map((relayId) =>
          claimRevokeFrom(relay.deps, relayId, from).catch((error: unknown) => {
            logger.warn({ err: error, relayId }, 'could not claim a handed-off revoke');
            return undefined;
          }),
        );
        void Promise.all(claims).then((records) =>
          jobs.carryOutHandedOffRevoke(
            records.filter((record) => record !== undefined),
            handed,
          ),
        );
      },
      update(handed) {
        const from = options.receiverId;
        if (stopped || from === undefined) return;
        // An update's claim is `revoking` with its request, under the receiver's lease, as a revoke's.
        claimRevokeFrom(relay.deps, handed.relayId, from).then(
          (record) => {
            if (record) jobs.carryOutHandedOffUpdate(record, handed);
          },
          (error: unknown) =>
            logger.warn({ err: error, relayId: handed.relayId }, 'could not claim a handed-off update'),
        );
      },
      stop() {
        stopping ??= (async () => {
          stopped = true;
          await closers.closeAll();
          logger.info('fx-bridge worker stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closers.closeAll().catch(() => undefined);
    throw error;
  }
}
