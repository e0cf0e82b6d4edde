/** Entry point: read the configuration, start the bridge, stop cleanly on SIGTERM/SIGINT. */
import { startBridge } from './bridge.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const bridge = await startBridge(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    bridge.logger.info({ signal }, 'stopping');
    bridge.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        bridge.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `fx-bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
