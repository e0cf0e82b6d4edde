#!/usr/bin/env node
/** The `fx-bridge` bin: `fx-bridge start | check | prune | relays list | relays show` (see --help). */
import { loadDotEnvOrExit, processIo } from './cli/io.js';
import { runCli } from './cli/run.js';

loadDotEnvOrExit();
// process.exit rather than waiting for the event loop: a Redis client or a keep-alive socket left
// behind by a library must not keep a finished command hanging.
process.exit(await runCli(process.argv.slice(2), processIo()));
