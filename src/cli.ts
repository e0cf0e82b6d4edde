#!/usr/bin/env node
/** The `fx-bridge` bin: `fx-bridge start | check | prune | relays list | relays show` (see --help). */
import { processIo } from './cli/io.js';
import { runCli } from './cli/run.js';
import { loadDotEnv } from './config.js';

try {
  loadDotEnv();
} catch (error) {
  process.stderr.write(
    `fx-bridge cannot read .env: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(78);
}
// process.exit rather than waiting for the event loop: a Redis client or a keep-alive socket left
// behind by a library must not keep a finished command hanging.
process.exit(await runCli(process.argv.slice(2), processIo()));
