/**
 * `fx-bridge start` (and `npm start` through main.ts): run the bridge until SIGTERM or SIGINT,
 * then stop cleanly. Resolves with the exit code once the bridge has stopped.
 */
import { startBridge } from '../bridge.js';
import { startInstallBridge } from '../bridge-installs.js';
import { StoreConfigurationError, StoreOpenError } from '../store/errors.js';
import { startWorker, type Worker } from '../workers/start.js';
import { type CliIo, configOrReport, EXIT, type ExitCode } from './io.js';

export async function runStart(io: CliIo): Promise<ExitCode> {
  const config = configOrReport(io, 'start');
  if (!config) return EXIT.config;
  if (config.installs && config.relayWorkers !== 'inline') {
    io.err(
      `RELAY_WORKERS=${config.relayWorkers} does not apply in install mode (SLACK_CLIENT_ID without SLACK_BOT_TOKEN): there each workspace's sends run in the process that takes its requests. Unset RELAY_WORKERS, or unset SLACK_CLIENT_ID to run one workspace with workers.`,
    );
    return EXIT.config;
  }
  let bridge: Pick<Awaited<ReturnType<typeof startBridge>>, 'logger' | 'stop'>;
  // A stop asked for while starting (Socket Mode can wait long for Slack's hello) ends the start:
  // nothing was taken on yet, so exiting now loses nothing; the next start recovers the store.
  const early = earlyStop();
  try {
    // Install mode (SLACK_CLIENT_ID without SLACK_BOT_TOKEN) has its own wiring: bridge-installs.ts.
    const starting = config.installs ? startInstallBridge(config) : startBridge(config);
    const started = await Promise.race([starting, early.signalled]);
    if (started === 'signal') {
      io.err('fx-bridge stopped before the start finished (a stop signal arrived while connecting)');
      return EXIT.ok;
    }
    bridge = started;
  } catch (error) {
    // A store STORE_URL names but that cannot be opened is the configuration's problem: exit 78.
    if (error instanceof StoreOpenError) {
      io.err(`fx-bridge cannot start: ${error.message}`);
      return EXIT.config;
    }
    io.err(`fx-bridge failed to start: ${startFailure(error, config.port)}`);
    // A store set up in a way the bridge refuses (a Redis that evicts keys) is a configuration error.
    return error instanceof StoreConfigurationError ? EXIT.config : EXIT.failed;
  } finally {
    early.release();
  }
  const running = bridge;
  return new Promise<ExitCode>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      // A second signal while draining must not cut the drain short: stop() is already bounded.
      if (stopping) return;
      stopping = true;
      running.logger.info({ signal }, 'stopping');
      running.stop().then(
        () => resolve(EXIT.ok),
        (error: unknown) => {
          running.logger.error({ err: error }, 'stop failed');
          resolve(EXIT.failed);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Why the start failed, in words that say what to change where we know it. */
export function startFailure(error: unknown, port: number): string {
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') {
    return `port ${port} is already in use: set PORT to a free port (or stop what is listening on ${port})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Resolves with 'signal' on the first SIGTERM or SIGINT until released. */
function earlyStop(): { signalled: Promise<'signal'>; release(): void } {
  let onSignal: () => void = () => undefined;
  const signalled = new Promise<'signal'>((resolve) => {
    onSignal = () => resolve('signal');
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    signalled,
    release() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

/**
 * `fx-bridge worker`: carries out handed-off sends (workers/start.ts) until SIGTERM or SIGINT. Its
 * leases are compared by time only, as on a shared store: other processes use the store too.
 */
export async function runWorker(io: CliIo): Promise<ExitCode> {
  const config = configOrReport(io, 'worker');
  if (!config) return EXIT.config;
  if (config.installs) {
    // Install mode hands nothing off: each workspace's sends run in the process that takes its
    // requests, with its own token and tenant, which a worker would not have.
    io.err(
      'fx-bridge worker does not run in install mode (SLACK_CLIENT_ID without SLACK_BOT_TOKEN): there each workspace’s sends run in the process that takes its requests, so there is nothing to hand off. Unset SLACK_CLIENT_ID to run workers for one workspace.',
    );
    return EXIT.config;
  }
  let worker: Worker;
  try {
    worker = await startWorker(config, {
      identity: { exclusiveStore: false },
      // WORKER_PORT: /healthz, /readyz and /metrics of this worker (a forked worker has none).
      ...(config.workerPort !== undefined ? { port: config.workerPort } : {}),
    });
  } catch (error) {
    io.err(`fx-bridge worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof StoreOpenError || error instanceof StoreConfigurationError
      ? EXIT.config
      : EXIT.failed;
  }
  // Without WORKER_PORT a worker listens on no port and its timers do not hold the process: this does, until a stop.
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<ExitCode>((resolve) => {
    const stop = () => {
      clearInterval(keepAlive);
      worker.stop().then(
        () => resolve(EXIT.ok),
        () => resolve(EXIT.failed),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
