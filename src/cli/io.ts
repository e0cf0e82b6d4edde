/**
 * What every CLI command gets: where to write and which environment to read. Commands return an
 * exit code instead of calling process.exit, so tests run them in-process.
 */
import { type Config, ConfigError, loadConfig, loadDotEnv } from '../config.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Passed to loadConfig (config.ts stays the only reader of process.env). */
  env: Record<string, string | undefined>;
}

/** Exit codes; 78 is EX_CONFIG from sysexits.h, which container tooling already knows. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  config: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command line that cannot be run as typed: message, then a pointer to --help, exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly helpHint = 'fx-bridge --help',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The configuration, or the ConfigError's message on stderr and undefined (the caller exits 78). */
export function configOrReport(io: CliIo, command: string): Config | undefined {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message says the bridge "cannot start"; other commands say what they could not do.
    io.err(
      command === 'start'
        ? error.message
        : error.message.replace(/^fx-bridge cannot start:/, `fx-bridge ${command} cannot run:`),
    );
    return undefined;
  }
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
  };
}

/** For the entry points: loads `.env` into the environment, or says why it cannot and exits 78. */
export function loadDotEnvOrExit(): void {
  try {
    loadDotEnv();
  } catch (error) {
    process.stderr.write(
      `fx-bridge cannot read .env: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(EXIT.config);
  }
}
