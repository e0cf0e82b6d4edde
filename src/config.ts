/**
 * Configuration: the environment and the optional YAML file. The only module that reads
 * `process.env`. Validation collects every problem so the operator fixes them in one go, and
 * never echoes a value (several are secrets).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export type SlackMode = 'socket' | 'http';
export type FxiaokeAuthMode = 'header' | 'legacy';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface FileConfig {
  /** Alias name → Fxiaoke ids (`sales: [FSUID_…]`). */
  aliases: Record<string, string[]>;
  /** Slack user id → Fxiaoke id, so `<@U…>` mentions resolve. */
  slackUsers: Record<string, string>;
  /** Slack user ids allowed to revoke anyone's relay. */
  admins: string[];
  /** Slack channel id → recipients (aliases or Fxiaoke ids) the compose window starts with there. */
  channelDefaults: Record<string, string[]>;
  /** How a relayed message reads in Fxiaoke. Placeholders: {sender}, {channel}, {text}. */
  messageTemplate: string;
  /** Longest message text accepted (characters, before the template). */
  maxMessageLength: number;
  /** Most resolved recipients one relay may have. */
  maxRecipients: number;
  /** Who may send (see src/relay/access.ts for the rule). Empty lists: everyone, from anywhere. */
  access: { send: { users: string[]; userGroups: string[]; channels: string[] } };
  limits: {
    /** Relays one Slack user may start per sliding minute; 0 turns the limit off. */
    sendsPerUserPerMinute: number;
  };
  /** What an edit or delete of a relayed Slack message does: ask its sender, act at once, or nothing. */
  sync: { edits: 'ask' | 'auto' | 'off'; deletes: 'ask' | 'auto' | 'off' };
}

export interface Config {
  slack: {
    mode: SlackMode;
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
    /** Largest file of a relayed message downloaded (SLACK_FILE_MAX_MB); a larger one is not forwarded. */
    fileMaxBytes: number;
    /** How long start-up keeps retrying auth.test while Slack is unreachable (0: fail at once). */
    startupRetrySeconds: number;
  };
  port: number;
  fxiaoke: {
    baseUrl: string;
    appId: string;
    appSecret: string;
    permanentCode: string;
    authMode: FxiaokeAuthMode;
    userId: string | undefined;
    serviceId: string | undefined;
    timeoutMs: number;
    maxRetries: number;
    /** Calls per window per endpoint; shared by the replicas on a Redis store. Token endpoints: 10 per 60 s. */
    rateLimit: { calls: number; windowMs: number };
    /** Header mode: add `convertUserId: true` when sending to openUserIds (`auto`), or never. */
    convertUserId: 'auto' | 'never';
    /** `/media/upload` (.NET SDK, default) or `/media/upload/message` (the doc page). */
    mediaUploadPath: string;
    /** The department whose users (with children) are the whole company: 999999 (.NET) or 0 (PHP). */
    directoryDepartmentId: number;
    /** Revoke error codes that mean "already revoked / no such message" (undocumented; none by default). */
    revokeDoneCodes: number[];
    /** The `/cgi/user/list` field holding the CRM employee id; undefined: numeric ids are not looked up. */
    employeeIdField: string | undefined;
  };
  storeUrl: string;
  /** Key prefix for the Redis store (several bridges can share one Redis). */
  redisKeyPrefix: string;
  /** A PostgreSQL store's connections (POSTGRES_*); unused by the other stores. */
  postgres: {
    /** Connections each of a replica's two pools (the map; the shared Fxiaoke state) may open. */
    poolSize: number;
    /** The server cancels a statement (or a lock wait) that runs longer. */
    statementTimeoutMs: number;
    /** PEM file of the authority that signed the server's certificate; turns TLS on. */
    caFile: string | undefined;
  };
  /** Finished relays older than this are deleted; 0 keeps them forever. */
  retentionDays: number;
  /**
   * Startup recovery takes a `pending`/`revoking` relay as interrupted only once it is untouched this
   * long. Default 0 on a store of this process alone (SQLite, memory), 900 on a shared one (Redis,
   * PostgreSQL), where a younger relay may be another replica's work under way.
   */
  recoveryStaleAfterSeconds: number;
  /** Recorded work and how it is carried out (relay/intake.ts, lease.ts, work-queue.ts). */
  work: {
    /** How long a front door waits for its store write before it says nothing was taken. */
    intakeTimeoutMs: number;
    /** Relays this process carries out at once; the rest wait in its queue. */
    relayConcurrency: number;
    /** A lease on work under way lasts this long unless renewed; past it another replica takes over. */
    leaseSeconds: number;
    /** Received work not carried out within this long is not sent any more; its sender is told. */
    resumeLimitSeconds: number;
  };
  /** How long the Fxiaoke address book, phone lookups and Slack profiles are cached. */
  peopleCacheTtlSeconds: number;
  logLevel: string;
  /** `auto`: pretty on a terminal outside production, JSON otherwise. */
  logFormat: LogFormat;
  configFile: string | undefined;
  file: FileConfig;
}

/** Reads `alice (Slack, general):` or `alice (Slack, direct message):`, then the text. */
/**
 * Defaults that the environment schema below fills in and that classes would otherwise state again:
 * wiring passes the configured values on, the classes take them as required options, and tests
 * that build a class directly take them from here.
 */
export const DEFAULTS = {
  /** FXIAOKE_TIMEOUT_MS: one HTTP call to Fxiaoke. */
  fxiaokeTimeoutMs: 10_000,
  /** FXIAOKE_MAX_RETRIES: retries after the first attempt. */
  fxiaokeMaxRetries: 3,
  /** FXIAOKE_RATE_LIMIT_CALLS per FXIAOKE_RATE_LIMIT_WINDOW_MS, every endpoint but the token ones. */
  fxiaokeRateLimit: { calls: 100, windowMs: 20_000 },
  /** PEOPLE_CACHE_TTL_SECONDS: the address book, phone lookups, Slack profiles and user groups. */
  peopleCacheTtlSeconds: 600,
  /** INTAKE_TIMEOUT_MS, RELAY_CONCURRENCY, LEASE_SECONDS, RESUME_LIMIT_SECONDS. */
  work: { intakeTimeoutMs: 1_500, relayConcurrency: 8, leaseSeconds: 30, resumeLimitSeconds: 900 },
  /** POSTGRES_POOL_SIZE, POSTGRES_STATEMENT_TIMEOUT_MS. */
  postgres: { poolSize: 10, statementTimeoutMs: 5_000 },
} as const;

export const DEFAULT_MESSAGE_TEMPLATE = '{sender} (Slack, {channel}):\n{text}';

export const DEFAULT_FILE_CONFIG: FileConfig = {
  aliases: {},
  slackUsers: {},
  admins: [],
  channelDefaults: {},
  messageTemplate: DEFAULT_MESSAGE_TEMPLATE,
  maxMessageLength: 4000,
  maxRecipients: 5000,
  access: { send: { users: [], userGroups: [], channels: [] } },
  limits: { sendsPerUserPerMinute: 20 },
  sync: { edits: 'ask', deletes: 'ask' },
};

/** Every value that must never reach a log line, an error or a reply. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.fxiaoke.appSecret,
    config.fxiaoke.permanentCode,
  ].filter((value): value is string => typeof value === 'string' && value.length > 0);
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: string[]) {
    super(
      `fx-bridge cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        '\nEvery variable is described in docs/configuration.md (or start from .env.example).',
    );
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const FXIAOKE_ID = /^(FSUID_[0-9A-Za-z]+|\d+)$/;
const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]+$/;
const SLACK_USER_GROUP_ID = /^S[A-Z0-9]+$/;

type Env = Record<string, string | undefined>;

/**
 * The values `.env.example` ships with. They pass the prefix checks, so without this a copied but
 * unfilled `.env` got as far as Slack or Fxiaoke and failed there with an opaque API error.
 */
export const PLACEHOLDERS = {
  SLACK_BOT_TOKEN: 'xoxb-your-bot-token',
  SLACK_APP_TOKEN: 'xapp-your-app-token',
  FXIAOKE_APP_ID: 'FSAID_',
  FXIAOKE_SERVICE_ID: 'FSAID_',
} as const;

// Naming the value is safe: it is the placeholder itself, never what the operator typed.
function placeholderProblem(name: keyof typeof PLACEHOLDERS): string {
  return `${name} is still the placeholder from .env.example (${PLACEHOLDERS[name]}): replace it with your real value`;
}

/** Reads a trimmed value; empty counts as unset (docker `-e VAR=` and blank .env lines). */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

/** A comma-separated list of Fxiaoke error codes (integers, possibly negative); empty: none. */
function codeList(env: Env, name: string, problems: string[]): number[] {
  const raw = read(env, name);
  if (raw === undefined) return [];
  const parts = raw.split(',').map((part) => part.trim());
  if (!parts.every((part) => /^-?\d{1,9}$/.test(part))) {
    problems.push(`${name} must be a comma-separated list of Fxiaoke error codes, e.g. 90404,90409`);
    return [];
  }
  return parts.map(Number);
}

/**
 * Loads `.env` from the working directory when there is one, for `npm start` on a laptop.
 * Variables already set in the environment win, as they should in containers.
 */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const required = (name: string, hint: string): string => {
    const value = read(env, name);
    if (value === undefined) problems.push(`${name} is not set: ${hint}`);
    return value ?? '';
  };

  const botToken = required('SLACK_BOT_TOKEN', 'the bot token (xoxb-…) from your Slack app’s OAuth page');
  if (botToken === PLACEHOLDERS.SLACK_BOT_TOKEN) problems.push(placeholderProblem('SLACK_BOT_TOKEN'));
  else if (botToken && !botToken.startsWith('xoxb-')) problems.push('SLACK_BOT_TOKEN must start with xoxb-');

  const appToken = read(env, 'SLACK_APP_TOKEN');
  if (appToken === PLACEHOLDERS.SLACK_APP_TOKEN) problems.push(placeholderProblem('SLACK_APP_TOKEN'));
  else if (appToken && !appToken.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN must start with xapp-');
  const signingSecret = read(env, 'SLACK_SIGNING_SECRET');

  const rawMode = read(env, 'SLACK_MODE');
  let mode: SlackMode = appToken ? 'socket' : 'http';
  if (rawMode !== undefined) {
    if (rawMode === 'socket' || rawMode === 'http') mode = rawMode;
    else problems.push('SLACK_MODE must be "socket" or "http"');
  }
  if (rawMode === undefined && !appToken && !signingSecret) {
    // Neither credential: say both ways in, rather than guessing a mode and naming only its variable.
    problems.push(
      'no Slack connection is configured: set SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode',
    );
  } else if (mode === 'socket' && !appToken) {
    problems.push(
      'SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with connections:write',
    );
  } else if (mode === 'http' && !signingSecret) {
    problems.push('SLACK_SIGNING_SECRET is not set: HTTP mode needs it (Slack app → Basic Information)');
  }

  const apiUrl = read(env, 'SLACK_API_URL') ?? 'https://slack.com/api/';
  if (!isHttpUrl(apiUrl))
    problems.push('SLACK_API_URL must be an http(s) URL such as https://slack.com/api/');
  const fileMaxBytes = integer(env, 'SLACK_FILE_MAX_MB', 10, 1, 100, problems) * 1024 * 1024;
  const startupRetrySeconds = integer(env, 'SLACK_STARTUP_RETRY_SECONDS', 300, 0, 86_400, problems);

  const port = integer(env, 'PORT', 3000, 0, 65535, problems);

  const baseUrl = read(env, 'FXIAOKE_BASE_URL') ?? 'https://open.fxiaoke.com';
  if (!isHttpUrl(baseUrl))
    problems.push('FXIAOKE_BASE_URL must be an http(s) URL such as https://open.fxiaoke.com');

  const appId = required('FXIAOKE_APP_ID', 'the Fxiaoke app id (FSAID_…)');
  if (appId === PLACEHOLDERS.FXIAOKE_APP_ID) problems.push(placeholderProblem('FXIAOKE_APP_ID'));
  else if (appId && !appId.startsWith('FSAID_')) problems.push('FXIAOKE_APP_ID must start with FSAID_');
  const appSecret = required('FXIAOKE_APP_SECRET', 'the Fxiaoke app secret');
  const permanentCode = required(
    'FXIAOKE_PERMANENT_CODE',
    'the permanent code of your company’s authorisation',
  );

  const rawAuthMode = read(env, 'FXIAOKE_AUTH_MODE') ?? 'header';
  let authMode: FxiaokeAuthMode = 'header';
  if (rawAuthMode === 'header' || rawAuthMode === 'legacy') authMode = rawAuthMode;
  else problems.push('FXIAOKE_AUTH_MODE must be "header" or "legacy"');

  const userId = read(env, 'FXIAOKE_USER_ID');
  if (authMode === 'header' && !userId) {
    problems.push('FXIAOKE_USER_ID is not set: header auth needs the acting CRM employee id, e.g. 1000');
  } else if (userId && !/^\d+$/.test(userId)) {
    problems.push('FXIAOKE_USER_ID must be a numeric employee id, e.g. 1000');
  }

  // Seen as FSAID_… and as short service codes in public clients: any id without spaces.
  const serviceId = read(env, 'FXIAOKE_SERVICE_ID');
  if (serviceId === PLACEHOLDERS.FXIAOKE_SERVICE_ID) problems.push(placeholderProblem('FXIAOKE_SERVICE_ID'));
  else if (serviceId && !/^[A-Za-z0-9_.-]+$/.test(serviceId))
    problems.push('FXIAOKE_SERVICE_ID must be a service account id such as FSAID_… (letters, digits, _ . -)');

  const convertUserId = read(env, 'FXIAOKE_CONVERT_USER_ID') ?? 'auto';
  if (convertUserId !== 'auto' && convertUserId !== 'never')
    problems.push('FXIAOKE_CONVERT_USER_ID must be "auto" or "never"');
  const mediaUploadPath = read(env, 'FXIAOKE_MEDIA_UPLOAD_PATH') ?? '/media/upload';
  if (mediaUploadPath !== '/media/upload' && mediaUploadPath !== '/media/upload/message')
    problems.push('FXIAOKE_MEDIA_UPLOAD_PATH must be /media/upload or /media/upload/message');
  const directoryDepartmentId = integer(
    env,
    'FXIAOKE_DIRECTORY_DEPARTMENT_ID',
    999999,
    0,
    2 ** 31 - 1,
    problems,
  );
  const revokeDoneCodes = codeList(env, 'FXIAOKE_REVOKE_DONE_CODES', problems);
  const employeeIdField = read(env, 'FXIAOKE_EMPLOYEE_ID_FIELD');
  if (employeeIdField && !/^[A-Za-z][A-Za-z0-9_]*$/.test(employeeIdField))
    problems.push('FXIAOKE_EMPLOYEE_ID_FIELD must be a field name of /cgi/user/list, e.g. employeeNumber');

  const timeoutMs = integer(env, 'FXIAOKE_TIMEOUT_MS', DEFAULTS.fxiaokeTimeoutMs, 100, 120_000, problems);
  const maxRetries = integer(env, 'FXIAOKE_MAX_RETRIES', DEFAULTS.fxiaokeMaxRetries, 0, 10, problems);
  const rateLimit = {
    calls: integer(env, 'FXIAOKE_RATE_LIMIT_CALLS', DEFAULTS.fxiaokeRateLimit.calls, 1, 100_000, problems),
    windowMs: integer(
      env,
      'FXIAOKE_RATE_LIMIT_WINDOW_MS',
      DEFAULTS.fxiaokeRateLimit.windowMs,
      100,
      86_400_000,
      problems,
    ),
  };

  const storeUrl = read(env, 'STORE_URL') ?? 'sqlite:./data/fx-bridge.db';
  const redisKeyPrefix = read(env, 'REDIS_KEY_PREFIX') ?? 'fxb:';
  const retentionDays = integer(env, 'RETENTION_DAYS', 30, 0, 3650, problems);
  const sharedStore = /^(rediss?|postgres(ql)?):/i.test(storeUrl);
  const postgres = {
    poolSize: integer(env, 'POSTGRES_POOL_SIZE', DEFAULTS.postgres.poolSize, 1, 1_000, problems),
    statementTimeoutMs: integer(
      env,
      'POSTGRES_STATEMENT_TIMEOUT_MS',
      DEFAULTS.postgres.statementTimeoutMs,
      100,
      600_000,
      problems,
    ),
    caFile: read(env, 'POSTGRES_CA_FILE'),
  };
  const recoveryStaleAfterSeconds = integer(
    env,
    'RECOVERY_STALE_AFTER_SECONDS',
    sharedStore ? 900 : 0,
    0,
    86_400,
    problems,
  );
  const work = {
    intakeTimeoutMs: integer(env, 'INTAKE_TIMEOUT_MS', DEFAULTS.work.intakeTimeoutMs, 100, 2_500, problems),
    relayConcurrency: integer(env, 'RELAY_CONCURRENCY', DEFAULTS.work.relayConcurrency, 1, 1_000, problems),
    leaseSeconds: integer(env, 'LEASE_SECONDS', DEFAULTS.work.leaseSeconds, 2, 3_600, problems),
    resumeLimitSeconds: integer(
      env,
      'RESUME_LIMIT_SECONDS',
      DEFAULTS.work.resumeLimitSeconds,
      10,
      86_400,
      problems,
    ),
  };
  const peopleCacheTtlSeconds = integer(
    env,
    'PEOPLE_CACHE_TTL_SECONDS',
    DEFAULTS.peopleCacheTtlSeconds,
    1,
    86_400,
    problems,
  );
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }

  // Production (the image sets NODE_ENV=production) keeps JSON even on a terminal (docker run -t).
  const production = read(env, 'NODE_ENV') === 'production';
  const rawLogFormat = read(env, 'LOG_FORMAT') ?? (production ? 'json' : 'auto');
  let logFormat: LogFormat = 'auto';
  if (rawLogFormat === 'auto' || rawLogFormat === 'json' || rawLogFormat === 'pretty')
    logFormat = rawLogFormat;
  else problems.push('LOG_FORMAT must be "auto", "json" or "pretty"');

  const configFile = read(env, 'FX_BRIDGE_CONFIG');
  const file = configFile ? loadFileConfig(configFile, problems) : DEFAULT_FILE_CONFIG;

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    slack: {
      mode,
      botToken,
      signingSecret,
      appToken,
      apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
      fileMaxBytes,
      startupRetrySeconds,
    },
    port,
    fxiaoke: {
      baseUrl: baseUrl.replace(/\/+$/, ''),
      appId,
      appSecret,
      permanentCode,
      authMode,
      userId,
      serviceId,
      timeoutMs,
      maxRetries,
      rateLimit,
      convertUserId: convertUserId === 'never' ? 'never' : 'auto',
      mediaUploadPath,
      directoryDepartmentId,
      revokeDoneCodes,
      employeeIdField,
    },
    storeUrl,
    redisKeyPrefix,
    postgres,
    retentionDays,
    recoveryStaleAfterSeconds,
    work,
    peopleCacheTtlSeconds,
    logLevel,
    logFormat,
    configFile,
    file,
  };
}

// Ids, not names: a name can be reused or renamed, and Slack's APIs answer by id. The messages say
// where to find each id, since that is the usual mistake.
const accessSchema = z
  .object({
    send: z
      .object({
        users: z
          .array(z.string().regex(SLACK_USER_ID, 'users are Slack user ids such as U012ABC, not @names'))
          .default([]),
        userGroups: z
          .array(
            z
              .string()
              .regex(
                SLACK_USER_GROUP_ID,
                'userGroups are Slack user group ids such as S012ABC (the group in Slack → ⋯ → Copy group ID), not @handles',
              ),
          )
          .default([]),
        channels: z
          .array(
            z
              .string()
              .regex(
                SLACK_CHANNEL_ID,
                'channels are Slack channel ids such as C012ABC (channel details → About → Channel ID), not #names',
              ),
          )
          .default([]),
      })
      .strict()
      .default(DEFAULT_FILE_CONFIG.access.send),
  })
  .strict();

const limitsSchema = z
  .object({
    sendsPerUserPerMinute: z
      .number('sendsPerUserPerMinute must be a number')
      .int('sendsPerUserPerMinute must be a whole number')
      .min(0, 'sendsPerUserPerMinute must be 0 (no limit) or more')
      .max(10_000, 'sendsPerUserPerMinute must be at most 10000 (0 turns the limit off)')
      .default(DEFAULT_FILE_CONFIG.limits.sendsPerUserPerMinute),
  })
  .strict();

const syncModeSchema = (key: string) =>
  z.enum(['ask', 'auto', 'off'], `${key} must be ask (DM the sender), auto (act at once) or off (nothing)`);

const syncSchema = z
  .object({
    edits: syncModeSchema('sync.edits').default(DEFAULT_FILE_CONFIG.sync.edits),
    deletes: syncModeSchema('sync.deletes').default(DEFAULT_FILE_CONFIG.sync.deletes),
  })
  .strict();

const fileSchema = z
  .object({
    aliases: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'alias names use letters, digits, _ . -')
          // Such names would be read as an employee id or an openUserId, never as the alias.
          .refine(
            (name) => !/^\d+$/.test(name) && !/^FSUID_/i.test(name),
            'alias names cannot look like Fxiaoke ids',
          ),
        z
          .array(
            z
              .string()
              .regex(FXIAOKE_ID, 'each alias member is an FSUID_… openUserId or a numeric employee id'),
          )
          .min(1, 'an alias needs at least one member'),
      )
      .default({}),
    slackUsers: z
      .record(
        z.string().regex(SLACK_USER_ID, 'keys are Slack user ids such as U012ABC'),
        z.string().regex(FXIAOKE_ID, 'values are FSUID_… openUserIds or numeric employee ids'),
      )
      .default({}),
    admins: z.array(z.string().regex(SLACK_USER_ID, 'admins are Slack user ids such as U012ABC')).default([]),
    channelDefaults: z
      .record(
        z.string().regex(SLACK_CHANNEL_ID, 'keys are Slack channel ids such as C012ABC'),
        z.array(z.string().min(1)).min(1, 'list at least one recipient, or leave the channel out'),
      )
      .default({}),
    messageTemplate: z
      .string()
      .refine((template) => template.includes('{text}'), 'messageTemplate must contain {text}')
      .default(DEFAULT_MESSAGE_TEMPLATE),
    maxMessageLength: z.number().int().min(1).max(100_000).default(DEFAULT_FILE_CONFIG.maxMessageLength),
    maxRecipients: z.number().int().min(1).max(100_000).default(DEFAULT_FILE_CONFIG.maxRecipients),
    access: accessSchema.default(DEFAULT_FILE_CONFIG.access),
    limits: limitsSchema.default(DEFAULT_FILE_CONFIG.limits),
    sync: syncSchema.default(DEFAULT_FILE_CONFIG.sync),
  })
  .strict()
  .superRefine((file, context) => {
    // A default must be something the resolver knows; a typo would otherwise surface in every modal.
    const aliases = new Set(Object.keys(file.aliases).map((name) => name.toLowerCase()));
    for (const [channel, recipients] of Object.entries(file.channelDefaults)) {
      recipients.forEach((recipient, index) => {
        if (FXIAOKE_ID.test(recipient) || aliases.has(recipient.toLowerCase())) return;
        context.addIssue({
          code: 'custom',
          path: ['channelDefaults', channel, index],
          message: `${recipient} is neither an alias defined under aliases nor a Fxiaoke id (FSUID_… or numeric)`,
        });
      });
    }
  });

export function parseFileConfig(source: string, label: string, problems: string[]): FileConfig {
  let document: unknown;
  try {
    document = parseYaml(source) ?? {};
  } catch (error) {
    problems.push(
      `${label} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`,
    );
    return DEFAULT_FILE_CONFIG;
  }
  const result = fileSchema.safeParse(document);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      problems.push(`${label}: ${where}: ${issue.message}`);
    }
    return DEFAULT_FILE_CONFIG;
  }
  return result.data;
}

function loadFileConfig(path: string, problems: string[]): FileConfig {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`FX_BRIDGE_CONFIG points at ${path}, which cannot be read (${reason})`);
    return DEFAULT_FILE_CONFIG;
  }
  return parseFileConfig(source, `FX_BRIDGE_CONFIG (${path})`, problems);
}
