/**
 * JSON logs with secrets removed twice over: known fields are redacted by path, and every known
 * secret value is scrubbed from the final line, wherever it hides (error messages, URLs, bodies).
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

const REDACT_PATHS = [
  'token',
  '*.token',
  'appSecret',
  '*.appSecret',
  'permanentCode',
  '*.permanentCode',
  'accessToken',
  '*.accessToken',
  'corpAccessToken',
  '*.corpAccessToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'signingSecret',
  '*.signingSecret',
];

export interface LoggerOptions {
  level?: string;
  /** Values scrubbed from every line (tokens, secrets). Short values are ignored to avoid noise. */
  secrets?: readonly string[];
  /** Where lines go; stdout by default. Tests pass a capturing stream. */
  destination?: DestinationStream;
  /** `auto`: pretty when writing to stdout and stdout is a terminal; JSON otherwise. */
  format?: 'auto' | 'json' | 'pretty';
}

/**
 * Whether lines are pretty-printed. A terminal is a person reading; anything else (a pipe, a file,
 * a container's log driver) is a machine, which wants one JSON object per line.
 */
export function prettyLogs(format: LoggerOptions['format'], destination: unknown, isTty: boolean): boolean {
  if (format === 'pretty') return true;
  if (format === 'json') return false;
  return destination === undefined && isTty;
}

function escapeForRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds a scrubber for a growing set of secrets (Fxiaoke tokens are added as they are issued). */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private readonly spellings = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(initial: readonly string[] = []) {
    for (const secret of initial) this.add(secret);
  }

  add(secret: string | undefined): void {
    // Very short values would scrub innocent text; real secrets are long.
    if (!secret || secret.length < 6 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    // Inside a JSON log line a secret with quotes or backslashes is spelled escaped: scrub both.
    this.spellings.add(secret);
    this.spellings.add(JSON.stringify(secret).slice(1, -1));
    const alternatives = [...this.spellings].sort((a, b) => b.length - a.length).map(escapeForRegExp);
    this.pattern = new RegExp(alternatives.join('|'), 'g');
  }

  scrub(text: string): string {
    const known = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    return known.replace(SLACK_TOKEN_SHAPE, REDACTED);
  }
}

/**
 * Slack tokens by their shape (bot, user, app-level, refresh and rotating ones): in install mode
 * each workspace's tokens come from the store, not from the environment, so no list of known
 * values holds them all. Their prefixes are Slack's own and never occur in ordinary text.
 */
const SLACK_TOKEN_SHAPE = /\b(?:xox[abposre]|xapp|xoxe\.xox[bp])-[0-9A-Za-z-]{8,}/g;

export function createLogger(options: LoggerOptions = {}): { logger: Logger; scrubber: SecretScrubber } {
  const scrubber = new SecretScrubber(options.secrets);
  // pino-pretty as a stream in this thread, not a worker transport: the streamWrite hook below then
  // scrubs each JSON line before it is prettified, exactly as for JSON output.
  const destination = prettyLogs(options.format, options.destination, process.stdout.isTTY === true)
    ? pinoPretty({
        destination: options.destination ?? 1,
        sync: true,
        ignore: 'pid,hostname,service',
        translateTime: 'SYS:HH:MM:ss.l',
        colorize: options.destination === undefined && process.stdout.isTTY === true,
      })
    : options.destination;
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'fx-bridge' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: {
        streamWrite: (line) => scrubber.scrub(line),
      },
    },
    destination,
  );
  return { logger, scrubber };
}
