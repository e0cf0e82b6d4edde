/**
 * Configuration: the environment and the optional YAML file. The only module that reads
 * `process.env`. The environment is one zod schema built from one table (config/env.ts), the file
 * has its own (config/file.ts); every problem of both is collected into one ConfigError, so the
 * operator fixes them in one go, and no value is ever echoed (several are secrets).
 */
import { existsSync } from 'node:fs';
import { ENV, type EnvValues, isInstallMode, parseEnv, readEnv } from './config/env.js';
import {
  DEFAULT_FILE_CONFIG,
  DEFAULT_SYNC_QUIET_MS,
  type FileConfig,
  loadFileConfig,
} from './config/file.js';
import { isSharedStore, parseStoreUrl } from './store/location.js';

export { ENV, PLACEHOLDERS } from './config/env.js';
export {
  DEFAULT_FILE_CONFIG,
  DEFAULT_MESSAGE_TEMPLATE,
  type FileConfig,
  parseFileConfig,
} from './config/file.js';

export type SlackMode = 'socket' | 'http';
export type FxiaokeAuthMode = 'header' | 'legacy';
export type LogFormat = 'auto' | 'json' | 'pretty';
/** `inline`: this process sends; `fork`: a worker child it forks does; `none`: workers run apart. */
export type RelayWorkersMode = 'inline' | 'fork' | 'none';

/** Install mode (SLACK_CLIENT_ID without SLACK_BOT_TOKEN): Slack's OAuth and the key secrets are sealed with. */
export interface InstallSettings {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** FX_BRIDGE_SECRET_KEY, as given (secrets/secret-box.ts reads it). */
  secretKey: string;
  /** FX_BRIDGE_OLD_SECRET_KEY: still opens what it sealed, while rotating. */
  oldSecretKey: string | undefined;
  /** FXIAOKE_ALLOWED_BASE_URLS: the origins a workspace may connect its Fxiaoke tenant at. */
  allowedBaseUrls: string[];
}

export interface Config {
  /**
   * Set in install mode. The single-workspace values (`slack.botToken`, `fxiaoke.appId`, app
   * secret, permanent code) are then empty and never read: each workspace brings its own.
   */
  installs: InstallSettings | undefined;
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
  /** Start on a Redis whose maxmemory-policy evicts keys (REDIS_ALLOW_EVICTION); refused otherwise. */
  redisAllowEviction: boolean;
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
   * A takeover takes a relay in work written before leases existed as interrupted only once it is
   * untouched this long. Default 0 on a store of this process alone (SQLite, memory), 900 on a shared one (Redis),
   * where a younger relay may be another replica's work under way.
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
  /** Where sends are carried out after their acks (RELAY_WORKERS; docs/architecture.md). */
  relayWorkers: RelayWorkersMode;
  /** `fx-bridge worker`'s health and metrics port (WORKER_PORT); undefined: none. */
  workerPort: number | undefined;
  /** How long the Fxiaoke address book, phone lookups and Slack profiles are cached. */
  peopleCacheTtlSeconds: number;
  logLevel: string;
  /** `auto`: pretty on a terminal outside production, JSON otherwise. */
  logFormat: LogFormat;
  configFile: string | undefined;
  file: FileConfig;
}

/**
 * The defaults classes would otherwise state again, read from the environment table (config/env.ts),
 * where each is stated once: wiring passes the configured values on, the classes take them as
 * required options, and tests that build a class directly take them from here.
 */
export const DEFAULTS = {
  /** FXIAOKE_TIMEOUT_MS: one HTTP call to Fxiaoke. */
  fxiaokeTimeoutMs: ENV.FXIAOKE_TIMEOUT_MS.default,
  /** FXIAOKE_MAX_RETRIES: retries after the first attempt. */
  fxiaokeMaxRetries: ENV.FXIAOKE_MAX_RETRIES.default,
  /** FXIAOKE_RATE_LIMIT_CALLS per FXIAOKE_RATE_LIMIT_WINDOW_MS, every endpoint but the token ones. */
  fxiaokeRateLimit: {
    calls: ENV.FXIAOKE_RATE_LIMIT_CALLS.default,
    windowMs: ENV.FXIAOKE_RATE_LIMIT_WINDOW_MS.default,
  },
  /** PEOPLE_CACHE_TTL_SECONDS: the address book, phone lookups, Slack profiles and user groups. */
  peopleCacheTtlSeconds: ENV.PEOPLE_CACHE_TTL_SECONDS.default,
  /** INTAKE_TIMEOUT_MS, RELAY_CONCURRENCY, LEASE_SECONDS, RESUME_LIMIT_SECONDS. */
  work: {
    intakeTimeoutMs: ENV.INTAKE_TIMEOUT_MS.default,
    relayConcurrency: ENV.RELAY_CONCURRENCY.default,
    leaseSeconds: ENV.LEASE_SECONDS.default,
    resumeLimitSeconds: ENV.RESUME_LIMIT_SECONDS.default,
  },
  /** `sync.quietMs` (config file): how long a relayed message must be quiet before its edits are acted on. */
  syncQuietMs: DEFAULT_SYNC_QUIET_MS,
  /** POSTGRES_POOL_SIZE, POSTGRES_STATEMENT_TIMEOUT_MS. */
  postgres: {
    poolSize: ENV.POSTGRES_POOL_SIZE.default,
    statementTimeoutMs: ENV.POSTGRES_STATEMENT_TIMEOUT_MS.default,
  },
} as const;

/** Every value that must never reach a log line, an error or a reply. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.installs?.clientSecret,
    config.installs?.stateSecret,
    config.installs?.secretKey,
    config.installs?.oldSecretKey,
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

/**
 * Loads `.env` from the working directory when there is one, for `npm start` on a laptop.
 * Variables already set in the environment win, as they should in containers.
 */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = readEnv(env);
  const parsed = parseEnv(input);
  const problems = 'problems' in parsed ? [...parsed.problems] : [];
  // The file is read even when the environment has problems, so both come in the one error.
  const file = input.FX_BRIDGE_CONFIG
    ? loadFileConfig(input.FX_BRIDGE_CONFIG, problems)
    : DEFAULT_FILE_CONFIG;
  if (!('values' in parsed) || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.values, file);
}

/**
 * The checked environment in the shape the code uses. The three defaults that depend on other
 * variables are worked out here (the table states them in words): SLACK_MODE,
 * RECOVERY_STALE_AFTER_SECONDS and LOG_FORMAT.
 */
function toConfig(env: EnvValues, file: FileConfig): Config {
  return {
    installs: installSettings(env),
    slack: {
      mode: env.SLACK_MODE ?? (env.SLACK_APP_TOKEN ? 'socket' : 'http'),
      // Unset only in install mode (the schema's rules), where it is never read.
      botToken: env.SLACK_BOT_TOKEN ?? '',
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL,
      fileMaxBytes: env.SLACK_FILE_MAX_MB * 1024 * 1024,
      startupRetrySeconds: env.SLACK_STARTUP_RETRY_SECONDS,
    },
    port: env.PORT,
    fxiaoke: {
      baseUrl: env.FXIAOKE_BASE_URL,
      appId: env.FXIAOKE_APP_ID ?? '',
      appSecret: env.FXIAOKE_APP_SECRET ?? '',
      permanentCode: env.FXIAOKE_PERMANENT_CODE ?? '',
      authMode: env.FXIAOKE_AUTH_MODE,
      userId: env.FXIAOKE_USER_ID,
      serviceId: env.FXIAOKE_SERVICE_ID,
      timeoutMs: env.FXIAOKE_TIMEOUT_MS,
      maxRetries: env.FXIAOKE_MAX_RETRIES,
      rateLimit: { calls: env.FXIAOKE_RATE_LIMIT_CALLS, windowMs: env.FXIAOKE_RATE_LIMIT_WINDOW_MS },
      convertUserId: env.FXIAOKE_CONVERT_USER_ID,
      mediaUploadPath: env.FXIAOKE_MEDIA_UPLOAD_PATH,
      directoryDepartmentId: env.FXIAOKE_DIRECTORY_DEPARTMENT_ID,
      revokeDoneCodes: env.FXIAOKE_REVOKE_DONE_CODES,
      employeeIdField: env.FXIAOKE_EMPLOYEE_ID_FIELD,
    },
    storeUrl: env.STORE_URL,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    redisAllowEviction: env.REDIS_ALLOW_EVICTION,
    postgres: {
      poolSize: env.POSTGRES_POOL_SIZE,
      statementTimeoutMs: env.POSTGRES_STATEMENT_TIMEOUT_MS,
      caFile: env.POSTGRES_CA_FILE,
    },
    retentionDays: env.RETENTION_DAYS,
    // On a shared store a younger relay may be another replica's work under way.
    recoveryStaleAfterSeconds:
      env.RECOVERY_STALE_AFTER_SECONDS ?? (isSharedStore(parseStoreUrl(env.STORE_URL)) ? 900 : 0),
    work: {
      intakeTimeoutMs: env.INTAKE_TIMEOUT_MS,
      relayConcurrency: env.RELAY_CONCURRENCY,
      leaseSeconds: env.LEASE_SECONDS,
      resumeLimitSeconds: env.RESUME_LIMIT_SECONDS,
    },
    relayWorkers: env.RELAY_WORKERS,
    workerPort: env.WORKER_PORT,
    peopleCacheTtlSeconds: env.PEOPLE_CACHE_TTL_SECONDS,
    logLevel: env.LOG_LEVEL,
    // Production (the image sets NODE_ENV=production) keeps JSON even on a terminal (docker run -t).
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'auto'),
    configFile: env.FX_BRIDGE_CONFIG,
    file,
  };
}

/** The install-mode settings, which the schema's rules guarantee are all set in that mode. */
function installSettings(env: EnvValues): InstallSettings | undefined {
  if (!isInstallMode(env)) return undefined;
  const { SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, FX_BRIDGE_SECRET_KEY } = env;
  if (!SLACK_CLIENT_ID || !SLACK_CLIENT_SECRET || !SLACK_STATE_SECRET || !FX_BRIDGE_SECRET_KEY) {
    throw new ConfigError(['install mode is missing a setting the checks should have named']);
  }
  return {
    clientId: SLACK_CLIENT_ID,
    clientSecret: SLACK_CLIENT_SECRET,
    stateSecret: SLACK_STATE_SECRET,
    secretKey: FX_BRIDGE_SECRET_KEY,
    oldSecretKey: env.FX_BRIDGE_OLD_SECRET_KEY,
    allowedBaseUrls: env.FXIAOKE_ALLOWED_BASE_URLS,
  };
}
