/**
 * `fx-bridge start` (and `npm start` through main.ts): run the bridge until SIGTERM or SIGINT,
 * then stop cleanly. Resolves with the exit code once the bridge has stopped.
 */
import { startBridge } from '../bridge.js';
import { type CliIo, configOrReport, EXIT, type ExitCode } from './io.js';

export async function runStart(io: CliIo): Promise<ExitCode> {
  const config = configOrReport(io, 'start');
  if (!config) return EXIT.config;
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config);
  } catch (error) {
    io.err(`fx-bridge failed to start: ${startFailure(error, config.port)}`);
    return EXIT.failed;
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
