/**
 * The environment as one table: each variable's check (a zod schema), its default and what it
 * means. `envSchema` is built from it, DEFAULTS (config.ts) reads its defaults, and
 * test/docs.test.ts checks the table of docs/configuration.md and .env.example against it.
 *
 * Adding a variable is one row here (in the page's order): `setting(check, default, meaning)`,
 * `required(check, where to find it, meaning)` or `optional(check, meaning)`, with a check from
 * env-rows.ts; then its field in Config and one line in toConfig (config.ts).
 */
import { z } from 'zod';
import {
  codeList,
  type EnvRow,
  flag,
  httpUrl,
  matching,
  oneOf,
  optional,
  originList,
  passing,
  placeholderProblem,
  prefixed,
  requiredForOneWorkspace,
  secretKey,
  setting,
  storeUrl,
  text,
  wholeNumber,
} from './env-rows.js';

/** The values `.env.example` ships with; they are refused by name (env-rows.ts `prefixed`). */
export const PLACEHOLDERS = {
  SLACK_BOT_TOKEN: 'xoxb-your-bot-token',
  SLACK_APP_TOKEN: 'xapp-your-app-token',
  FXIAOKE_APP_ID: 'FSAID_',
  FXIAOKE_SERVICE_ID: 'FSAID_',
} as const;

const PLACEHOLDER_VALUES: ReadonlySet<string> = new Set(Object.values(PLACEHOLDERS));

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const secret = { secret: true };

export const ENV = {
  SLACK_APP_TOKEN: optional(
    prefixed('xapp-', PLACEHOLDERS.SLACK_APP_TOKEN),
    'app-level token `xapp-…` with `connections:write`; setting it selects Socket Mode',
    { requiredWhen: 'Socket Mode', ...secret },
  ),
  SLACK_BOT_TOKEN: requiredForOneWorkspace(
    prefixed('xoxb-', PLACEHOLDERS.SLACK_BOT_TOKEN),
    'the bot token (xoxb-…) from your Slack app’s OAuth page',
    'bot token, `xoxb-…`; checked with `auth.test` at start',
    secret,
  ),
  SLACK_SIGNING_SECRET: optional(text, "verifies Slack's request signatures", {
    requiredWhen: 'HTTP mode',
    ...secret,
  }),
  SLACK_MODE: optional(oneOf(['socket', 'http']), '`socket` or `http`', {
    defaultText: '`socket` if an app token is set, else `http`',
  }),
  SLACK_CLIENT_ID: optional(
    matching(/^\d+\.\d+$/, 'must be the Client ID from Basic Information, e.g. 1234567890.1234567890'),
    'with `SLACK_CLIENT_SECRET` and `SLACK_STATE_SECRET` and no `SLACK_BOT_TOKEN`: **install mode** (HTTP only) — any workspace installs the bridge at `/slack/install` (see Install mode)',
    { requiredWhen: 'install mode' },
  ),
  SLACK_CLIENT_SECRET: optional(text, 'Client Secret from Basic Information (install mode)', {
    requiredWhen: 'install mode',
    ...secret,
  }),
  SLACK_STATE_SECRET: optional(
    passing((value) =>
      value.length >= 32 ? undefined : 'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    ),
    'signs the `state` of each install, so a forged, expired or replayed one is refused (install mode)',
    { requiredWhen: 'install mode', ...secret },
  ),
  FX_BRIDGE_SECRET_KEY: optional(
    secretKey,
    '32 random bytes, hex or base64 (`openssl rand -base64 32`): every Slack token and Fxiaoke secret of an installation is stored encrypted with it (AES-256-GCM); keep it apart from the store’s backups',
    { requiredWhen: 'install mode', ...secret },
  ),
  FX_BRIDGE_OLD_SECRET_KEY: optional(
    secretKey,
    'the previous FX_BRIDGE_SECRET_KEY while rotating: values sealed with it are still read, and `fx-bridge secrets rotate` seals them again with the current key (see Rotating the secret key)',
    secret,
  ),
  FXIAOKE_ALLOWED_BASE_URLS: setting(
    originList,
    [
      'https://open.fxiaoke.com',
      'https://open-hwcloud.fxiaoke.com',
      'https://open-ale.fxiaoke.com',
      'https://open-hws.fxiaoke.com',
      'https://open-na.sharecrm.com',
    ],
    'install mode: the origins a workspace may give as its Fxiaoke address when it connects (`fx_base_url`); any other is refused, so no workspace can point the bridge at an internal address',
    {
      defaultText:
        'the public Fxiaoke clouds: `https://open.fxiaoke.com`, `https://open-hwcloud.fxiaoke.com`, `https://open-ale.fxiaoke.com`, `https://open-hws.fxiaoke.com`, `https://open-na.sharecrm.com`',
    },
  ),
  SLACK_API_URL: setting(
    httpUrl('https://slack.com/api/', (url) => (url.endsWith('/') ? url : `${url}/`)),
    'https://slack.com/api/',
    'Web API base (GovSlack, tests)',
  ),
  SLACK_STARTUP_RETRY_SECONDS: setting(
    wholeNumber(0, 86_400),
    300,
    'at start, how long `auth.test` is retried with backoff while Slack cannot be reached (0–86400; `0`: fail at once); a refused token fails at once',
  ),
  SLACK_FILE_MAX_MB: setting(
    wholeNumber(1, 100),
    10,
    'largest file of a relayed message downloaded to forward as an image (1–100); a larger one is listed by name (see Files)',
  ),
  PORT: setting(
    wholeNumber(0, 65_535),
    3000,
    'HTTP port: `/slack/events` (HTTP mode), `/healthz`, `/readyz`, `/metrics` (both modes)',
  ),
  FXIAOKE_BASE_URL: setting(
    httpUrl('https://open.fxiaoke.com', (url) => url.replace(/\/+$/, '')),
    'https://open.fxiaoke.com',
    'your Fxiaoke cloud, e.g. `https://open-hwcloud.fxiaoke.com`, `https://open-na.sharecrm.com`',
  ),
  FXIAOKE_APP_ID: requiredForOneWorkspace(
    prefixed('FSAID_', PLACEHOLDERS.FXIAOKE_APP_ID),
    'the Fxiaoke app id (FSAID_…)',
    'app id, `FSAID_…`',
  ),
  FXIAOKE_APP_SECRET: requiredForOneWorkspace(text, 'the Fxiaoke app secret', 'app secret', secret),
  FXIAOKE_PERMANENT_CODE: requiredForOneWorkspace(
    text,
    'the permanent code of your company’s authorisation',
    "your company's permanent authorisation code",
    secret,
  ),
  FXIAOKE_AUTH_MODE: setting(
    oneOf(['header', 'legacy']),
    'header',
    '`header`: `/oauth2.0/token` + `authorization`/`x-fs-ea`/`x-fs-userid` headers; `legacy`: `corpAccessToken` in the body',
  ),
  FXIAOKE_USER_ID: optional(
    matching(/^\d+$/, 'must be a numeric employee id, e.g. 1000'),
    'acting CRM employee id sent as `x-fs-userid`, e.g. `1000`',
    { requiredWhen: 'header mode' },
  ),
  // Seen as FSAID_… and as short service codes in public clients: any id without spaces.
  FXIAOKE_SERVICE_ID: optional(
    passing((value) =>
      value === PLACEHOLDERS.FXIAOKE_SERVICE_ID
        ? placeholderProblem(value)
        : /^[A-Za-z0-9_.-]+$/.test(value)
          ? undefined
          : 'must be a service account id such as FSAID_… (letters, digits, _ . -)',
    ),
    'service account (`FSAID_…`, or a short service code: both are seen). With it, sends go through `/cgi/app/message/send` and **can be revoked**; without it, through `/cgi/message/send` and cannot',
  ),
  FXIAOKE_CONVERT_USER_ID: setting(
    oneOf(['auto', 'never']),
    'auto',
    'header mode reads `toUser` as employee ids; `auto` adds `"convertUserId": true` when sending to openUserIds (`FSUID_…`), as the V2 docs ask; `never` sends them as they are',
  ),
  FXIAOKE_MEDIA_UPLOAD_PATH: setting(
    oneOf(['/media/upload', '/media/upload/message'], 'must be /media/upload or /media/upload/message'),
    '/media/upload',
    'where images are uploaded: `/media/upload` (the .NET SDK) or `/media/upload/message` (the doc page "Upload Message Material Files")',
  ),
  FXIAOKE_DIRECTORY_DEPARTMENT_ID: setting(
    wholeNumber(0, 2 ** 31 - 1),
    999999,
    'department listed (with its children) as the whole company by `/cgi/user/list`: `999999` (.NET SDK) or `0` (PHP clients)',
  ),
  FXIAOKE_EMPLOYEE_ID_FIELD: optional(
    matching(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a field name of /cgi/user/list, e.g. employeeNumber'),
    'the `/cgi/user/list` field holding the CRM employee id (the `x-fs-userid` form numeric recipients use), so numeric recipients are checked against the address book; unknown upstream, so unset: numeric ids are sent as given (see Known limits)',
  ),
  FXIAOKE_REVOKE_DONE_CODES: setting(
    codeList,
    [],
    'comma-separated revoke error codes that mean "already revoked" or "no such message", so a Revoke after a lost answer finishes the relay as revoked. None by default, deliberately: Fxiaoke documents no such code and none has been observed (the error table has none; the emulator\'s `90409` is its own invention, and `npm run emulator` prints `FXIAOKE_REVOKE_DONE_CODES=90409` for it). A code listed by mistake would tell the sender "revoked" while the message is still in Fxiaoke; an unlisted one only leaves the relay *uncertain* — the receipt and every answer say the revoke may or may not have taken effect, with the code and traceId Fxiaoke gave, and Revoke stays offered (see Known limits and operations.md)',
    { defaultText: '—' },
  ),
  FXIAOKE_TIMEOUT_MS: setting(wholeNumber(100, 120_000), 10_000, 'deadline for one Fxiaoke HTTP call'),
  FXIAOKE_MAX_RETRIES: setting(
    wholeNumber(0, 10),
    3,
    'retries of a retryable Fxiaoke failure (see Retry policy)',
  ),
  FXIAOKE_RATE_LIMIT_CALLS: setting(
    wholeNumber(1, 100_000),
    100,
    'Fxiaoke calls allowed per endpoint per window; a burst beyond it is queued, not failed (see Rate limit)',
  ),
  FXIAOKE_RATE_LIMIT_WINDOW_MS: setting(
    wholeNumber(100, 86_400_000),
    20_000,
    'that window, in ms (Fxiaoke documents about 100 calls per 20 s per endpoint)',
  ),
  STORE_URL: setting(
    storeUrl,
    'sqlite:./data/fx-bridge.db',
    '`sqlite:<path>` (relative or absolute; `sqlite::memory:` for throwaway runs) or `memory:` (tests); `postgres://user:password@host:5432/db` (or `postgresql://`; add `?sslmode=require` for TLS) or `redis://host:6379/0` / `rediss://…` to share one store between several replicas (see Running several replicas and docs/deployment.md, “PostgreSQL or Redis”)',
  ),
  REDIS_KEY_PREFIX: setting(
    text,
    'fxb:',
    'prefix of every Redis key (relays, token, rate budget), so several bridges can share one Redis',
  ),
  REDIS_ALLOW_EVICTION: setting(
    flag,
    false,
    '`true` starts the bridge on a Redis whose `maxmemory-policy` evicts keys (anything but `noeviction`), which it otherwise refuses (exit 78): evicted relays can no longer be revoked or followed, and may be sent twice. Lost keys still turn `/readyz` not ready (see [Redis that keeps the map](deployment.md#redis-that-keeps-the-map))',
  ),
  POSTGRES_POOL_SIZE: setting(
    wholeNumber(1, 1_000),
    10,
    "connections each of a replica's two PostgreSQL pools may open (the map; the shared Fxiaoke token, rate budget and send limit): at most 2 × this + 1 per replica (1–1000)",
  ),
  POSTGRES_STATEMENT_TIMEOUT_MS: setting(
    wholeNumber(100, 600_000),
    5_000,
    'the server cancels a statement, or a wait for a row lock, that takes longer; the bridge answers as if the database were away (retries its held-back writes, acks “nothing was taken”) (100–600000)',
  ),
  POSTGRES_CA_FILE: optional(
    text,
    "PEM file of the certificate authority that signed the database's certificate (a managed database's CA bundle, e.g. Amazon RDS's); turns TLS on and verifies the server against it",
  ),
  RETENTION_DAYS: setting(
    wholeNumber(0, 3650),
    30,
    'finished relays older than this are deleted at start and hourly (`0` keeps them forever); relays in progress never are',
  ),
  RECOVERY_STALE_AFTER_SECONDS: optional(
    wholeNumber(0, 86_400),
    'only for records written before leases existed (older versions): such a relay left in work is taken over once untouched this long (0–86400)',
    { defaultText: '`0` on SQLite/memory, `900` on PostgreSQL and Redis' },
  ),
  INTAKE_TIMEOUT_MS: setting(
    wholeNumber(100, 2_500),
    1_500,
    `how long a front door waits for its store write before it acks "nothing was taken, try again" (100–2500; well inside Slack's 3 s)`,
  ),
  RELAY_CONCURRENCY: setting(
    wholeNumber(1, 1_000),
    8,
    'relays this process carries out at once after their acks; the rest wait in its queue, recorded (1–1000)',
  ),
  RELAY_WORKERS: setting(
    oneOf(['inline', 'fork', 'none']),
    'inline',
    'where sends are carried out after their acks: `inline`, in this process; `fork`, in a worker process this one forks (and restarts), so acks do not share their event loop with relay work (on SQLite they still share its write lock: docs/benchmarks.md); `none`, in `fx-bridge worker` processes run apart on the same `STORE_URL` (see docs/architecture.md, Receivers and workers)',
  ),
  WORKER_PORT: optional(
    wholeNumber(0, 65_535),
    '`fx-bridge worker` only: serves its `/healthz`, `/readyz` and `/metrics` on this port (for probes and Prometheus); unset, a worker listens on no port',
  ),
  LEASE_SECONDS: setting(
    wholeNumber(2, 3_600),
    30,
    "a replica's claim on work under way lasts this long unless renewed; past it any live replica takes the work over (2–3600)",
  ),
  RESUME_LIMIT_SECONDS: setting(
    wholeNumber(10, 86_400),
    900,
    'recorded work not carried out within this long (the bridge was down) is not sent any more; its sender is told (10–86400)',
  ),
  FX_BRIDGE_CONFIG: optional(text, 'path of the YAML file below'),
  PEOPLE_CACHE_TTL_SECONDS: setting(
    wholeNumber(1, 86_400),
    600,
    'how long the Fxiaoke address book (`/cgi/user/list`), phone lookups and Slack profiles are cached (1–86400; see Finding people)',
  ),
  LOG_LEVEL: setting(
    oneOf(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`),
    'info',
    LOG_LEVELS.map((level) => `\`${level}\``).join(' '),
  ),
  LOG_FORMAT: optional(
    oneOf(['auto', 'json', 'pretty']),
    '`auto`: pretty-printed (pino-pretty) when stdout is a terminal, JSON lines otherwise; `json`; `pretty`',
    { defaultText: '`auto` (`json` when `NODE_ENV=production`)' },
  ),
  NODE_ENV: optional(text, '`production` (the image sets it) keeps logs JSON even on a terminal'),
} satisfies Record<string, EnvRow<unknown>>;

export type EnvName = keyof typeof ENV;
export const ENV_NAMES = Object.keys(ENV) as EnvName[];

/** What the environment holds of the table's variables: trimmed, and blank counts as unset. */
export type EnvInput = Partial<Record<EnvName, string>>;

export function readEnv(env: Readonly<Record<string, string | undefined>>): EnvInput {
  const input: EnvInput = {};
  for (const name of ENV_NAMES) {
    // Docker `-e VAR=` and blank .env lines set a variable to nothing: unset, so its default holds.
    const value = env[name]?.trim();
    if (value) input[name] = value;
  }
  return input;
}

type Shape = { [K in EnvName]: (typeof ENV)[K]['schema'] };
const shape = Object.fromEntries(ENV_NAMES.map((name) => [name, ENV[name].schema])) as Shape;

/**
 * The rules between variables: which Slack credential the mode needs, and the acting employee
 * that header auth needs. They run even when a variable failed its own check (`when`), so their
 * problems come in the same error; they read only whether a variable is set and the raw mode
 * values, which a variable that failed its check still has.
 */
function betweenVariables(env: Readonly<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  const set = (name: EnvName) => env[name] !== undefined;
  const problem = (path: EnvName[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const mode = env.SLACK_MODE === 'socket' || env.SLACK_MODE === 'http' ? env.SLACK_MODE : undefined;
  if (!set('SLACK_MODE') && !set('SLACK_APP_TOKEN') && !set('SLACK_SIGNING_SECRET')) {
    // Neither credential: say both ways in, rather than guessing a mode and naming only its variable.
    problem(
      [],
      'no Slack connection is configured: set SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode',
    );
  } else if ((mode ?? (set('SLACK_APP_TOKEN') ? 'socket' : 'http')) === 'socket') {
    if (!set('SLACK_APP_TOKEN')) {
      problem(
        ['SLACK_APP_TOKEN'],
        'is not set: Socket Mode needs an app-level token (xapp-…) with connections:write',
      );
    }
  } else if (!set('SLACK_SIGNING_SECRET')) {
    problem(['SLACK_SIGNING_SECRET'], 'is not set: HTTP mode needs it (Slack app → Basic Information)');
  }
  if (isInstallMode(env)) {
    installModeRules(env, mode, problem);
    return;
  }
  for (const name of ENV_NAMES) {
    const needed = (ENV[name] as EnvRow<unknown>).singleWorkspace;
    if (needed && !set(name)) problem([name], `is not set: ${needed.notSet}`);
  }
  // A malformed FXIAOKE_AUTH_MODE is named on its own; the rest is checked as for the default, header.
  if (env.FXIAOKE_AUTH_MODE !== 'legacy' && !set('FXIAOKE_USER_ID')) {
    problem(['FXIAOKE_USER_ID'], 'is not set: header auth needs the acting CRM employee id, e.g. 1000');
  }
}

/** Install mode: an OAuth client and no bot token (one bot token means one workspace). */
export function isInstallMode(env: Readonly<Record<string, unknown>>): boolean {
  return env.SLACK_CLIENT_ID !== undefined && env.SLACK_BOT_TOKEN === undefined;
}

function installModeRules(
  env: Readonly<Record<string, unknown>>,
  mode: 'socket' | 'http' | undefined,
  problem: (path: EnvName[], message: string) => void,
): void {
  if (mode === 'socket') {
    problem(
      ['SLACK_MODE'],
      'must be http in install mode (SLACK_CLIENT_ID without SLACK_BOT_TOKEN): Slack redirects installers to this server',
    );
  }
  const why: Partial<Record<EnvName, string>> = {
    SLACK_CLIENT_SECRET: 'install mode needs the Client Secret (Slack app → Basic Information)',
    SLACK_STATE_SECRET: 'install mode signs each install’s state with it (e.g. `openssl rand -hex 32`)',
    FX_BRIDGE_SECRET_KEY:
      'install mode stores every token encrypted with it (e.g. `openssl rand -base64 32`)',
  };
  for (const [name, reason] of Object.entries(why) as [EnvName, string][]) {
    if (env[name] === undefined) problem([name], `is not set: ${reason}`);
  }
}

export const envSchema = z.object(shape).superRefine(betweenVariables, { when: () => true });
export type EnvValues = z.output<typeof envSchema>;

/** The environment's values, or every problem with it: each one sentence that starts with the variable's name. */
export function parseEnv(input: EnvInput): { values: EnvValues } | { problems: string[] } {
  const result = envSchema.safeParse(input);
  if (result.success) return { values: result.data };
  const problems = result.error.issues.map((issue) => {
    const name = issue.path[0];
    return typeof name === 'string' ? `${name} ${issue.message}` : issue.message;
  });
  return { problems: problems.map((problem) => withoutSecrets(problem, input)) };
}

/**
 * No message holds a value, but should one ever do, a secret is cut out here: the problems are
 * printed, and a secret in them would end up in logs and CI output. Secrets are the values of the
 * rows marked secret and the password of any URL (a Redis or PostgreSQL STORE_URL).
 */
function withoutSecrets(problem: string, input: EnvInput): string {
  let text = problem;
  for (const name of ENV_NAMES) {
    const value = input[name];
    if (value === undefined) continue;
    // A placeholder is no secret, and the message about it names it on purpose.
    const secretValue = ENV[name].secret && !PLACEHOLDER_VALUES.has(value);
    for (const secretText of [...(secretValue ? [value] : []), ...urlPasswords(value)]) {
      // A very short one would cut ordinary words out of the message; real secrets are longer.
      if (secretText.length >= 6) text = text.split(secretText).join('***');
    }
  }
  return text;
}

function urlPasswords(value: string): string[] {
  let password: string;
  try {
    password = new URL(value).password;
  } catch {
    return [];
  }
  try {
    return [password, decodeURIComponent(password)];
  } catch {
    return [password];
  }
}
