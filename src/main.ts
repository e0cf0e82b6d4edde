/** Entry point of `npm start` and the container: the same code as `fx-bridge start` (src/cli.ts). */

import { loadDotEnvOrExit, processIo } from './cli/io.js';
import { runStart } from './cli/start.js';

loadDotEnvOrExit();
runStart(processIo()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `fx-bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
