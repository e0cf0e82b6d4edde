import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flag } from '../src/config/env-rows.js';
import {
  ConfigError,
  DEFAULT_FILE_CONFIG,
  DEFAULTS,
  loadConfig,
  parseFileConfig,
  secretsOf,
} from '../src/config.js';

type Env = Record<string, string | undefined>;

// Distinctive values so a leak into an error message is unmistakable.
const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-BOTSECRET-1111111111',
  SLACK_SIGNING_SECRET: 'SIGNINGSECRET-2222222222',
  FXIAOKE_APP_SECRET: 'APPSECRET-3333333333',
  FXIAOKE_PERMANENT_CODE: 'PERMCODE-4444444444',
  SLACK_APP_TOKEN: 'xapp-APPTOKEN-5555555555',
} as const;

/** A complete, valid environment in header mode (HTTP mode: no app token). */
function validEnv(overrides: Env = {}): Env {
  return {
    SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
    FXIAOKE_APP_ID: 'FSAID_abc123',
    FXIAOKE_APP_SECRET: SECRETS.FXIAOKE_APP_SECRET,
    FXIAOKE_PERMANENT_CODE: SECRETS.FXIAOKE_PERMANENT_CODE,
    FXIAOKE_USER_ID: '1000',
    ...overrides,
  };
}

/** Runs loadConfig and returns the ConfigError it must throw. */
function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig: a valid environment', () => {
  it('returns a typed config with the documented defaults (header mode, HTTP mode)', () => {
    const config = loadConfig(validEnv());
    expect(config.slack).toEqual({
      mode: 'http',
      botToken: SECRETS.SLACK_BOT_TOKEN,
      signingSecret: SECRETS.SLACK_SIGNING_SECRET,
      appToken: undefined,
      apiUrl: 'https://slack.com/api/',
      fileMaxBytes: 10 * 1024 * 1024,
      startupRetrySeconds: 300,
    });
    expect(config.port).toBe(3000);
    expect(config.storeUrl).toBe('sqlite:./data/fx-bridge.db');
    expect(config.logLevel).toBe('info');
    expect(config.fxiaoke).toEqual({
      baseUrl: 'https://open.fxiaoke.com',
      appId: 'FSAID_abc123',
      appSecret: SECRETS.FXIAOKE_APP_SECRET,
      permanentCode: SECRETS.FXIAOKE_PERMANENT_CODE,
      authMode: 'header',
      userId: '1000',
      serviceId: undefined,
      timeoutMs: 10_000,
      maxRetries: 3,
      rateLimit: { calls: 100, windowMs: 20_000 },
      convertUserId: 'auto',
      mediaUploadPath: '/media/upload',
      directoryDepartmentId: 999999,
      revokeDoneCodes: [],
    });
    expect(config.configFile).toBeUndefined();
    expect(config.file).toEqual(DEFAULT_FILE_CONFIG);
  });

  it('adds a trailing slash to SLACK_API_URL and strips trailing slashes from FXIAOKE_BASE_URL', () => {
    const config = loadConfig(
      validEnv({
        SLACK_API_URL: 'http://127.0.0.1:4000/api',
        FXIAOKE_BASE_URL: 'https://open-hwcloud.fxiaoke.com//',
      }),
    );
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:4000/api/');
    expect(config.fxiaoke.baseUrl).toBe('https://open-hwcloud.fxiaoke.com');
    // Already slashed: left alone, not doubled.
    expect(loadConfig(validEnv({ SLACK_API_URL: 'https://slack-gov.com/api/' })).slack.apiUrl).toBe(
      'https://slack-gov.com/api/',
    );
  });

  it('reads the issue-12 Fxiaoke settings: short service codes, convertUserId, upload path, department, revoke codes', () => {
    const config = loadConfig(
      validEnv({
        FXIAOKE_SERVICE_ID: 'svc-0001',
        FXIAOKE_CONVERT_USER_ID: 'never',
        FXIAOKE_MEDIA_UPLOAD_PATH: '/media/upload/message',
        FXIAOKE_DIRECTORY_DEPARTMENT_ID: '0',
        FXIAOKE_REVOKE_DONE_CODES: ' 90409, -5 ',
      }),
    );
    expect(config.fxiaoke).toMatchObject({
      serviceId: 'svc-0001',
      convertUserId: 'never',
      mediaUploadPath: '/media/upload/message',
      directoryDepartmentId: 0,
      revokeDoneCodes: [90409, -5],
    });
  });

  it('reads PORT, STORE_URL, LOG_LEVEL, service id and the numeric tuning values', () => {
    const config = loadConfig(
      validEnv({
        PORT: '8080',
        STORE_URL: 'redis://cache:6379/0',
        LOG_LEVEL: 'debug',
        FXIAOKE_SERVICE_ID: 'FSAID_svc01',
        FXIAOKE_TIMEOUT_MS: '2500',
        FXIAOKE_MAX_RETRIES: '0',
        FXIAOKE_RATE_LIMIT_CALLS: '50',
        FXIAOKE_RATE_LIMIT_WINDOW_MS: '10000',
      }),
    );
    expect(config.port).toBe(8080);
    expect(config.storeUrl).toBe('redis://cache:6379/0');
    expect(config.logLevel).toBe('debug');
    expect(config.fxiaoke.serviceId).toBe('FSAID_svc01');
    expect(config.fxiaoke.timeoutMs).toBe(2500);
    expect(config.fxiaoke.maxRetries).toBe(0);
    expect(config.fxiaoke.rateLimit).toEqual({ calls: 50, windowMs: 10_000 });
  });

  it('runs in Socket Mode when an app token is set, unless SLACK_MODE=http', () => {
    const socket = loadConfig(validEnv({ SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN }));
    expect(socket.slack.mode).toBe('socket');
    expect(socket.slack.appToken).toBe(SECRETS.SLACK_APP_TOKEN);

    const http = loadConfig(validEnv({ SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN, SLACK_MODE: 'http' }));
    expect(http.slack.mode).toBe('http');
  });

  it('Socket Mode does not need the signing secret', () => {
    const config = loadConfig(
      validEnv({ SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN, SLACK_SIGNING_SECRET: undefined }),
    );
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it('legacy auth mode does not need FXIAOKE_USER_ID', () => {
    const config = loadConfig(validEnv({ FXIAOKE_AUTH_MODE: 'legacy', FXIAOKE_USER_ID: undefined }));
    expect(config.fxiaoke.authMode).toBe('legacy');
    expect(config.fxiaoke.userId).toBeUndefined();
  });

  it('treats blank and whitespace-only values as unset, and trims values', () => {
    const config = loadConfig(validEnv({ PORT: '   ', STORE_URL: '', FXIAOKE_APP_ID: '  FSAID_abc123  ' }));
    expect(config.port).toBe(3000);
    expect(config.storeUrl).toBe('sqlite:./data/fx-bridge.db');
    expect(config.fxiaoke.appId).toBe('FSAID_abc123');
  });
});

describe('loadConfig: problems are collected into one ConfigError', () => {
  it('an empty environment names every missing variable in a single error', () => {
    const error = configError({});
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('config_invalid');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'FXIAOKE_APP_ID',
      'FXIAOKE_APP_SECRET',
      'FXIAOKE_PERMANENT_CODE',
      'FXIAOKE_USER_ID',
    ]) {
      expect(error.message).toContain(name);
      expect(error.problems.some((problem) => problem.startsWith(name))).toBe(true);
    }
    // With no hint of the mode, the problem names both ways to connect.
    expect(error.problems).toContain(
      'no Slack connection is configured: set SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode',
    );
    expect(error.problems).toHaveLength(6);
    expect(error.message).toContain('6 configuration problems');
  });

  it.each([
    [
      'SLACK_BOT_TOKEN',
      { SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot' },
      /SLACK_BOT_TOKEN must start with xoxb-/,
    ],
    [
      'SLACK_APP_TOKEN',
      { SLACK_APP_TOKEN: 'xoxb-wrong-kind-of-token' },
      /SLACK_APP_TOKEN must start with xapp-/,
    ],
    ['SLACK_MODE', { SLACK_MODE: 'foo' }, /SLACK_MODE must be "socket" or "http"/],
    [
      'SLACK_MODE=socket without app token',
      { SLACK_MODE: 'socket' },
      /SLACK_APP_TOKEN is not set: Socket Mode/,
    ],
    ['PORT not a number', { PORT: 'abc' }, /PORT must be a whole number from 0 to 65535/],
    ['PORT too large', { PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    ['PORT negative', { PORT: '-1' }, /PORT must be a whole number/],
    ['PORT fractional', { PORT: '80.5' }, /PORT must be a whole number/],
    ['FXIAOKE_AUTH_MODE', { FXIAOKE_AUTH_MODE: 'x' }, /FXIAOKE_AUTH_MODE must be "header" or "legacy"/],
    ['FXIAOKE_USER_ID', { FXIAOKE_USER_ID: 'abc' }, /FXIAOKE_USER_ID must be a numeric employee id/],
    [
      'FXIAOKE_SERVICE_ID',
      { FXIAOKE_SERVICE_ID: 'svc 0001' },
      /FXIAOKE_SERVICE_ID must be a service account id/,
    ],
    [
      'FXIAOKE_CONVERT_USER_ID',
      { FXIAOKE_CONVERT_USER_ID: 'yes' },
      /FXIAOKE_CONVERT_USER_ID must be "auto" or "never"/,
    ],
    [
      'FXIAOKE_MEDIA_UPLOAD_PATH',
      { FXIAOKE_MEDIA_UPLOAD_PATH: '/upload' },
      /FXIAOKE_MEDIA_UPLOAD_PATH must be/,
    ],
    [
      'FXIAOKE_DIRECTORY_DEPARTMENT_ID',
      { FXIAOKE_DIRECTORY_DEPARTMENT_ID: '-1' },
      /FXIAOKE_DIRECTORY_DEPARTMENT_ID must be a whole number/,
    ],
    [
      'FXIAOKE_REVOKE_DONE_CODES',
      { FXIAOKE_REVOKE_DONE_CODES: '90409,abc' },
      /FXIAOKE_REVOKE_DONE_CODES must be/,
    ],
    [
      'FXIAOKE_BASE_URL not a URL',
      { FXIAOKE_BASE_URL: 'open.fxiaoke.com' },
      /FXIAOKE_BASE_URL must be an http\(s\) URL/,
    ],
    [
      'FXIAOKE_BASE_URL ftp',
      { FXIAOKE_BASE_URL: 'ftp://open.fxiaoke.com' },
      /FXIAOKE_BASE_URL must be an http\(s\) URL/,
    ],
    ['SLACK_API_URL', { SLACK_API_URL: 'not a url' }, /SLACK_API_URL must be an http\(s\) URL/],
    [
      'SLACK_FILE_MAX_MB',
      { SLACK_FILE_MAX_MB: '0' },
      /SLACK_FILE_MAX_MB must be a whole number from 1 to 100/,
    ],
    [
      'LOG_LEVEL',
      { LOG_LEVEL: 'verbose' },
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
    ],
    [
      'FXIAOKE_TIMEOUT_MS',
      { FXIAOKE_TIMEOUT_MS: '50' },
      /FXIAOKE_TIMEOUT_MS must be a whole number from 100 to 120000/,
    ],
    [
      'FXIAOKE_MAX_RETRIES',
      { FXIAOKE_MAX_RETRIES: '11' },
      /FXIAOKE_MAX_RETRIES must be a whole number from 0 to 10/,
    ],
    [
      'FXIAOKE_RATE_LIMIT_CALLS',
      { FXIAOKE_RATE_LIMIT_CALLS: '0' },
      /FXIAOKE_RATE_LIMIT_CALLS must be a whole number from 1 to 100000/,
    ],
    [
      'FXIAOKE_RATE_LIMIT_WINDOW_MS',
      { FXIAOKE_RATE_LIMIT_WINDOW_MS: '20s' },
      /FXIAOKE_RATE_LIMIT_WINDOW_MS must be a whole number from 100 to 86400000/,
    ],
  ] as const)('names a malformed %s', (_label, overrides, expected) => {
    const error = configError(validEnv(overrides));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(expected);
    expect(error.message).toMatch(expected);
  });

  it('reports several malformed values together', () => {
    const error = configError(validEnv({ PORT: 'abc', LOG_LEVEL: 'loud', FXIAOKE_AUTH_MODE: 'x' }));
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('LOG_LEVEL');
    expect(error.message).toContain('FXIAOKE_AUTH_MODE');
  });

  it('legacy mode does not need FXIAOKE_USER_ID but still rejects a malformed one', () => {
    expect(() =>
      loadConfig(validEnv({ FXIAOKE_AUTH_MODE: 'legacy', FXIAOKE_USER_ID: undefined })),
    ).not.toThrow();
    expect(() => loadConfig(validEnv({ FXIAOKE_AUTH_MODE: 'legacy', FXIAOKE_USER_ID: 'abc' }))).toThrow(
      /FXIAOKE_USER_ID must be a numeric employee id/,
    );
  });

  it('never echoes a secret value, even a malformed one', () => {
    const malformedBot = 'xoxp-MALFORMEDBOTSECRET-9999';
    const malformedApp = 'notxapp-MALFORMEDAPPSECRET-8888';
    const env = validEnv({
      SLACK_BOT_TOKEN: malformedBot,
      SLACK_APP_TOKEN: malformedApp,
      SLACK_MODE: 'foo',
      PORT: 'abc',
      FXIAOKE_USER_ID: 'abc',
    });
    const error = configError(env);
    expect(error.problems.length).toBeGreaterThanOrEqual(5);
    const text = `${error.message}\n${error.problems.join('\n')}\n${error.stack ?? ''}`;
    for (const secret of [
      malformedBot,
      malformedApp,
      SECRETS.SLACK_SIGNING_SECRET,
      SECRETS.FXIAOKE_APP_SECRET,
      SECRETS.FXIAOKE_PERMANENT_CODE,
      'MALFORMEDBOTSECRET',
      'MALFORMEDAPPSECRET',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('loadConfig: FX_BRIDGE_CONFIG', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-config-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(name: string, yaml: string): string {
    const path = join(dir, name);
    writeFileSync(path, yaml, 'utf8');
    return path;
  }

  it('loads aliases, slackUsers, admins and messageTemplate, with defaults for the rest', () => {
    const path = writeConfig(
      'good.yml',
      [
        'aliases:',
        '  sales: [FSUID_AAA111, "1001"]',
        '  ops.team:',
        '    - FSUID_BBB222',
        'slackUsers:',
        '  U012ABC: FSUID_AAA111',
        '  W0XYZ: "1002"',
        'admins: [U012ABC]',
        'messageTemplate: "[{sender}] {text}"',
        '',
      ].join('\n'),
    );
    const config = loadConfig(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(config.configFile).toBe(path);
    expect(config.file).toEqual({
      aliases: { sales: ['FSUID_AAA111', '1001'], 'ops.team': ['FSUID_BBB222'] },
      slackUsers: { U012ABC: 'FSUID_AAA111', W0XYZ: '1002' },
      admins: ['U012ABC'],
      channelDefaults: {},
      messageTemplate: '[{sender}] {text}',
      maxMessageLength: DEFAULT_FILE_CONFIG.maxMessageLength,
      maxRecipients: DEFAULT_FILE_CONFIG.maxRecipients,
      access: { send: { users: [], userGroups: [], channels: [] } },
      limits: { sendsPerUserPerMinute: 20 },
      sync: { edits: 'ask', deletes: 'ask', quietMs: 3000 },
      routes: {},
    });
  });

  it('an empty file means all defaults', () => {
    const path = writeConfig('empty.yml', '');
    expect(loadConfig(validEnv({ FX_BRIDGE_CONFIG: path })).file).toEqual(DEFAULT_FILE_CONFIG);
  });

  it('rejects a messageTemplate without {text}, naming the key and the file', () => {
    const path = writeConfig('template.yml', 'messageTemplate: "from {sender}"\n');
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(path);
    expect(error.problems[0]).toContain('messageTemplate');
    expect(error.problems[0]).toContain('{text}');
  });

  it('rejects an unknown top-level key, naming it', () => {
    // A typo of a real key (channelDefaults) must not pass as "no defaults".
    const path = writeConfig('unknown.yml', 'aliases: {}\nchannelDefault: {}\n');
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(path);
    expect(error.problems[0]).toContain('channelDefault');
  });

  it('names the offending alias, slack user and admin entries', () => {
    const path = writeConfig(
      'bad-values.yml',
      ['aliases:', '  sales: [someone@example.com]', '  empty: []', 'admins: [alice]', ''].join('\n'),
    );
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('aliases.sales.0');
    expect(error.message).toContain('aliases.empty: an alias needs at least one member');
    expect(error.message).toContain('admins.0');
    for (const problem of error.problems) expect(problem).toContain(path);
  });

  it('loads channelDefaults of aliases and Fxiaoke ids, aliases matched case-insensitively', () => {
    const path = writeConfig(
      'defaults.yml',
      [
        'aliases:',
        '  Sales: [FSUID_AAA111]',
        'channelDefaults:',
        '  C012ABC: [sales, FSUID_BBB222, "1001"]',
        '',
      ].join('\n'),
    );
    expect(loadConfig(validEnv({ FX_BRIDGE_CONFIG: path })).file.channelDefaults).toEqual({
      C012ABC: ['sales', 'FSUID_BBB222', '1001'],
    });
  });

  it('names channelDefaults entries that are neither an alias nor a Fxiaoke id, and bad channel ids', () => {
    const path = writeConfig(
      'bad-defaults.yml',
      [
        'aliases:',
        '  sales: [FSUID_AAA111]',
        'channelDefaults:',
        '  C012ABC: [sales, salez]',
        '  general: [sales]',
        '',
      ].join('\n'),
    );
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.message).toContain('channelDefaults.general');
    const typo = configError(
      validEnv({
        FX_BRIDGE_CONFIG: writeConfig(
          'typo-defaults.yml',
          ['aliases:', '  sales: [FSUID_AAA111]', 'channelDefaults:', '  C012ABC: [sales, salez]', ''].join(
            '\n',
          ),
        ),
      }),
    );
    expect(typo.problems).toHaveLength(1);
    expect(typo.problems[0]).toContain('channelDefaults.C012ABC.1');
    expect(typo.problems[0]).toContain('salez is neither an alias');
  });

  it('takes departments (dept:<id>, dept:<name>) in aliases and channelDefaults, and names a malformed member', () => {
    const path = writeConfig(
      'departments.yml',
      [
        'aliases:',
        '  east: ["dept:1002", "dept:Sales East", FSUID_AAA111]',
        'channelDefaults:',
        '  C012ABC: [east, "dept:销售部"]',
        '',
      ].join('\n'),
    );
    const file = loadConfig(validEnv({ FX_BRIDGE_CONFIG: path })).file;
    expect(file.aliases.east).toEqual(['dept:1002', 'dept:Sales East', 'FSUID_AAA111']);
    expect(file.channelDefaults.C012ABC).toEqual(['east', 'dept:销售部']);
    const bad = configError(
      validEnv({ FX_BRIDGE_CONFIG: writeConfig('bad-dept.yml', 'aliases:\n  east: ["dept:", sales]\n') }),
    );
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[0]).toContain('aliases.east.0');
    expect(bad.problems[0]).toContain('a department (dept:<id> or dept:<name>)');
  });

  it('reads routes keyed by channel id, with reaction defaulting to outbox_tray', () => {
    const path = writeConfig(
      'routes.yml',
      [
        'aliases:',
        '  sales: [FSUID_AAA111]',
        'routes:',
        '  C0SALES:',
        '    to: [sales, "dept:1002"]',
        '    forward: all',
        '  C0DEALS:',
        '    to: ["dept:Sales East"]',
        '    forward: reaction',
        '  G0PRIVATE:',
        '    to: [FSUID_BBB222]',
        '    forward: reaction',
        '    reaction: ":envelope:"',
        '',
      ].join('\n'),
    );
    expect(loadConfig(validEnv({ FX_BRIDGE_CONFIG: path })).file.routes).toEqual({
      C0SALES: { to: ['sales', 'dept:1002'], forward: 'all', reaction: 'outbox_tray' },
      C0DEALS: { to: ['dept:Sales East'], forward: 'reaction', reaction: 'outbox_tray' },
      G0PRIVATE: { to: ['FSUID_BBB222'], forward: 'reaction', reaction: 'envelope' },
    });
  });

  it('refuses a route with the key named: a channel name, an empty to, an unknown alias, unknown keys, a bad forward', () => {
    const error = configError(
      validEnv({
        FX_BRIDGE_CONFIG: writeConfig(
          'bad-routes.yml',
          [
            'aliases:',
            '  sales: [FSUID_AAA111]',
            'routes:',
            '  "#sales":',
            '    to: [sales]',
            '    forward: all',
            '  C0EMPTY:',
            '    to: []',
            '    forward: all',
            '  C0EXTRA:',
            '    to: [sales]',
            '    forward: all',
            '    channel: general',
            '  C0HOW:',
            '    to: [sales]',
            '    forward: some',
            '  C0EMOJI:',
            '    to: [sales]',
            '    forward: all',
            '    reaction: outbox_tray',
            '',
          ].join('\n'),
        ),
      }),
    );
    const problems = error.problems.join('\n');
    expect(problems).toContain('routes.#sales: routes are keyed by Slack channel ids such as C012ABC');
    expect(problems).toContain('routes.C0EMPTY.to: to needs at least one recipient');
    expect(problems).toContain('routes.C0EXTRA');
    expect(problems).toContain('"channel"');
    expect(problems).toContain(
      'routes.C0HOW.forward: forward must be all (every new message in the channel) or reaction',
    );
    expect(problems).toContain('routes.C0EMOJI.reaction: reaction applies to forward: reaction only');
    expect(error.problems).toHaveLength(5);
    // A recipient the resolver would not know: refused at start, not in every routed message.
    const typo = configError(
      validEnv({
        FX_BRIDGE_CONFIG: writeConfig(
          'typo-route.yml',
          [
            'aliases:',
            '  sales: [FSUID_AAA111]',
            'routes:',
            '  C0TYPO:',
            '    to: [sales, salez]',
            '    forward: all',
            '',
          ].join('\n'),
        ),
      }),
    );
    expect(typo.problems).toHaveLength(1);
    expect(typo.problems[0]).toContain('routes.C0TYPO.to.1: salez is neither an alias');
  });

  it('reads PEOPLE_CACHE_TTL_SECONDS (default 600) and rejects values out of range', () => {
    expect(loadConfig(validEnv()).peopleCacheTtlSeconds).toBe(600);
    expect(loadConfig(validEnv({ PEOPLE_CACHE_TTL_SECONDS: '60' })).peopleCacheTtlSeconds).toBe(60);
    for (const bad of ['0', '-5', 'ten', '86401']) {
      const error = configError(validEnv({ PEOPLE_CACHE_TTL_SECONDS: bad }));
      expect(error.problems).toEqual(['PEOPLE_CACHE_TTL_SECONDS must be a whole number from 1 to 86400']);
    }
  });

  it('reads RECOVERY_STALE_AFTER_SECONDS: 0 on a store of its own, 900 on Redis, unless set', () => {
    expect(loadConfig(validEnv()).recoveryStaleAfterSeconds).toBe(0);
    expect(loadConfig(validEnv({ STORE_URL: 'memory:' })).recoveryStaleAfterSeconds).toBe(0);
    expect(loadConfig(validEnv({ STORE_URL: 'redis://127.0.0.1:6379' })).recoveryStaleAfterSeconds).toBe(900);
    expect(loadConfig(validEnv({ STORE_URL: 'rediss://cache:6380' })).recoveryStaleAfterSeconds).toBe(900);
    const zero = validEnv({ STORE_URL: 'redis://127.0.0.1:6379', RECOVERY_STALE_AFTER_SECONDS: '0' });
    expect(loadConfig(zero).recoveryStaleAfterSeconds).toBe(0);
    for (const bad of ['-1', 'soon', '86401']) {
      const error = configError(validEnv({ RECOVERY_STALE_AFTER_SECONDS: bad }));
      expect(error.problems).toEqual(['RECOVERY_STALE_AFTER_SECONDS must be a whole number from 0 to 86400']);
    }
  });

  it('reads POSTGRES_POOL_SIZE, POSTGRES_STATEMENT_TIMEOUT_MS and POSTGRES_CA_FILE, with defaults', () => {
    expect(loadConfig(validEnv()).postgres).toEqual({ ...DEFAULTS.postgres, caFile: undefined });
    const set = validEnv({
      STORE_URL: 'postgres://fx@db:5432/fx?sslmode=require',
      POSTGRES_POOL_SIZE: '4',
      POSTGRES_STATEMENT_TIMEOUT_MS: '2000',
      POSTGRES_CA_FILE: ' /etc/fx-bridge/rds-ca.pem ',
    });
    expect(loadConfig(set).postgres).toEqual({
      poolSize: 4,
      statementTimeoutMs: 2000,
      caFile: '/etc/fx-bridge/rds-ca.pem',
    });
    const error = configError(validEnv({ POSTGRES_POOL_SIZE: '0', POSTGRES_STATEMENT_TIMEOUT_MS: '5s' }));
    expect(error.problems).toEqual([
      'POSTGRES_POOL_SIZE must be a whole number from 1 to 1000',
      'POSTGRES_STATEMENT_TIMEOUT_MS must be a whole number from 100 to 600000',
    ]);
  });

  it('takes RECOVERY_STALE_AFTER_SECONDS as 900 on PostgreSQL, a store replicas share', () => {
    for (const url of ['postgres://fx@db/fx', 'postgresql://fx@db/fx']) {
      expect(loadConfig(validEnv({ STORE_URL: url })).recoveryStaleAfterSeconds).toBe(900);
    }
  });

  it('reports invalid YAML with the path', () => {
    const path = writeConfig('broken.yml', 'aliases: [unclosed\nadmins: 2\n');
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(path);
    expect(error.problems[0]).toContain('is not valid YAML');
    // Only the first line of the parser's message: no multi-line source excerpt.
    expect(error.problems[0]).not.toContain('\n');
  });

  it('reports a YAML document that is not a mapping', () => {
    const path = writeConfig('list.yml', '- a\n- b\n');
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.problems[0]).toContain(path);
    expect(error.problems[0]).toContain('(top level)');
  });

  it('reports a missing file with its path and the reason', () => {
    const path = join(dir, 'does-not-exist.yml');
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path }));
    expect(error.problems).toEqual([`FX_BRIDGE_CONFIG points at ${path}, which cannot be read (ENOENT)`]);
  });

  it('file problems are reported together with environment problems', () => {
    const path = join(dir, 'missing-too.yml');
    const error = configError(validEnv({ FX_BRIDGE_CONFIG: path, PORT: 'abc' }));
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('FX_BRIDGE_CONFIG');
  });
});

describe('secretsOf', () => {
  it('returns every secret value that is set, and nothing else', () => {
    const config = loadConfig(validEnv({ SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN }));
    expect(new Set(secretsOf(config))).toEqual(
      new Set([
        SECRETS.SLACK_BOT_TOKEN,
        SECRETS.SLACK_SIGNING_SECRET,
        SECRETS.SLACK_APP_TOKEN,
        SECRETS.FXIAOKE_APP_SECRET,
        SECRETS.FXIAOKE_PERMANENT_CODE,
      ]),
    );
    expect(secretsOf(config)).not.toContain('FSAID_abc123');
  });

  it('leaves out secrets that are not set', () => {
    const config = loadConfig(validEnv());
    const secrets = secretsOf(config);
    expect(secrets).toHaveLength(4);
    expect(secrets).not.toContain(undefined);
  });
});

describe('config file: sync', () => {
  it('defaults edits and deletes to ask, takes auto and off, and names a wrong value', () => {
    const problems: string[] = [];
    expect(parseFileConfig('{}', 'f', problems).sync).toEqual({
      edits: 'ask',
      deletes: 'ask',
      quietMs: 3000,
    });
    expect(parseFileConfig('sync:\n  edits: auto\n  deletes: off\n', 'f', problems).sync).toEqual({
      edits: 'auto',
      deletes: 'off',
      quietMs: 3000,
    });
    expect(problems).toEqual([]);
    parseFileConfig('sync:\n  edits: always\n  delete: auto\n', 'f', problems);
    expect(problems).toEqual([
      expect.stringContaining(
        'sync.edits: sync.edits must be ask (DM the sender), auto (act at once) or off (nothing)',
      ),
      expect.stringMatching(/sync: .*delete/),
    ]);
  });

  it('takes a quiet period for bursts of edits in milliseconds, 0 to act on each edit at once', () => {
    const problems: string[] = [];
    expect(parseFileConfig('sync:\n  quietMs: 0\n', 'f', problems).sync.quietMs).toBe(0);
    expect(parseFileConfig('sync:\n  quietMs: 250\n', 'f', problems).sync.quietMs).toBe(250);
    expect(problems).toEqual([]);
    parseFileConfig('sync:\n  quietMs: -1\n', 'f', problems);
    parseFileConfig('sync:\n  quietMs: 1.5\n', 'f', problems);
    parseFileConfig('sync:\n  quietMs: "3s"\n', 'f', problems);
    expect(problems).toEqual([
      expect.stringContaining('sync.quietMs must be 0 (act on each edit at once) or more'),
      expect.stringContaining('sync.quietMs must be a whole number of milliseconds'),
      expect.stringContaining('sync.quietMs must be a number of milliseconds'),
    ]);
  });
});

describe('loadConfig: STORE_URL', () => {
  it.each([
    'sqlite:./data/fx.db',
    'sqlite:///srv/fx.db',
    'sqlite::memory:',
    'memory:',
    'redis://cache:6379/0',
    'rediss://:pw@cache:6380',
    'postgres://fx:pw@db:5432/fx',
    'postgresql://fx@db/fx',
    'postgres:///fx?host=/var/run/postgresql',
  ])('accepts %s', (url) => {
    expect(loadConfig(validEnv({ STORE_URL: url })).storeUrl).toBe(url);
  });

  it.each([
    ['ftp://x', 'STORE_URL has unsupported scheme "ftp:"; accepted forms: '],
    ['./data/fx.db', 'STORE_URL has no scheme; accepted forms: '],
    ['sqlite:', 'STORE_URL sqlite: needs a file path; accepted forms: '],
    ['memory:extra', 'STORE_URL memory: takes nothing after the colon; accepted forms: '],
    ['redis://:hunter2@cache:notaport', 'STORE_URL is not a valid Redis URL; expected '],
    ['redis://:hunter2@cache:6379/zero', 'STORE_URL path must be a database number such as /0; expected '],
    ['postgres://', 'STORE_URL names no PostgreSQL host; expected '],
    ['postgres://fx:hunter2@db:port/fx', 'STORE_URL is not a valid PostgreSQL URL; expected '],
  ])('refuses %s at start, naming STORE_URL and never its password', (url, start) => {
    const error = configError(validEnv({ STORE_URL: url }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.startsWith(start), error.problems[0]).toBe(true);
    expect(error.message).not.toContain('hunter2');
  });

  it('waits 900 s before recovering untouched work on a shared store: Redis or PostgreSQL', () => {
    expect(loadConfig(validEnv({ STORE_URL: 'postgres://db/fx' })).recoveryStaleAfterSeconds).toBe(900);
    expect(loadConfig(validEnv({ STORE_URL: 'sqlite:./fx.db' })).recoveryStaleAfterSeconds).toBe(0);
  });
});

describe('loadConfig: every kind of problem in one error', () => {
  it('names each missing or malformed variable once, all in one error, and echoes no value', () => {
    const env = validEnv({
      SLACK_BOT_TOKEN: 'xoxp-WRONGKINDSECRET-1111', // wrong kind of token
      FXIAOKE_APP_SECRET: undefined, // missing, required
      SLACK_API_URL: 'ftp://slack.example/api', // URL with a scheme it cannot be
      STORE_URL: 'mysql://fx:STOREPASSWORD@db/fx', // a store fx-bridge does not know
      PORT: 'eighty', // not a number
      LEASE_SECONDS: '1', // a number out of range
      LOG_LEVEL: 'loud', // not one of the words
      FXIAOKE_REVOKE_DONE_CODES: '90409,x', // not a list of codes
    });
    const error = configError(env);
    const expected = [
      'SLACK_BOT_TOKEN must start with xoxb-',
      'FXIAOKE_APP_SECRET is not set: the Fxiaoke app secret',
      'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/',
      expect.stringMatching(/^STORE_URL has unsupported scheme "mysql:"; accepted forms: /),
      'PORT must be a whole number from 0 to 65535',
      'LEASE_SECONDS must be a whole number from 2 to 3600',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      'FXIAOKE_REVOKE_DONE_CODES must be a comma-separated list of Fxiaoke error codes, e.g. 90404,90409',
    ];
    expect(error.problems).toHaveLength(expected.length);
    expect(error.problems).toEqual(expect.arrayContaining(expected));
    expect(error.message).toContain(`fx-bridge cannot start: ${expected.length} configuration problems`);
    const shown = `${error.message}\n${error.stack ?? ''}`;
    for (const secret of ['WRONGKINDSECRET', 'STOREPASSWORD', ...Object.values(SECRETS)]) {
      expect(shown).not.toContain(secret);
    }
  });

  it('adds the rules between variables to the same error as the single variables', () => {
    const error = configError({ SLACK_MODE: 'socket', FXIAOKE_AUTH_MODE: 'header', PORT: '-1' });
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'PORT must be a whole number from 0 to 65535',
        'SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…) with connections:write',
        'FXIAOKE_USER_ID is not set: header auth needs the acting CRM employee id, e.g. 1000',
        'SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from your Slack app’s OAuth page',
      ]),
    );
    expect(error.problems).toHaveLength(7);
  });

  it('never shows the password of a Redis or PostgreSQL URL it refuses', () => {
    for (const url of ['redis://:REDISPASSWORD@cache:port/0', 'postgres://fx:PGPASSWORD@db:port/fx']) {
      const error = configError(validEnv({ STORE_URL: url }));
      expect(error.problems).toHaveLength(1);
      expect(error.message).toMatch(/STORE_URL is not a valid (Redis|PostgreSQL) URL/);
      expect(error.message).not.toMatch(/REDISPASSWORD|PGPASSWORD/);
    }
  });
});

describe('DEFAULTS', () => {
  it('are the defaults the environment schema fills in', () => {
    const config = loadConfig(validEnv());
    expect(DEFAULTS).toEqual({
      fxiaokeTimeoutMs: config.fxiaoke.timeoutMs,
      fxiaokeMaxRetries: config.fxiaoke.maxRetries,
      fxiaokeRateLimit: config.fxiaoke.rateLimit,
      peopleCacheTtlSeconds: config.peopleCacheTtlSeconds,
      work: config.work,
      syncQuietMs: config.file.sync.quietMs,
      postgres: {
        poolSize: config.postgres.poolSize,
        statementTimeoutMs: config.postgres.statementTimeoutMs,
      },
    });
    expect(DEFAULTS.work).toEqual({
      intakeTimeoutMs: 1_500,
      relayConcurrency: 8,
      leaseSeconds: 30,
      resumeLimitSeconds: 900,
    });
  });
});

describe('env-rows: flag, the check of true/false switches', () => {
  it('reads true and false, and names anything else', () => {
    expect(flag.parse('true')).toBe(true);
    expect(flag.parse('false')).toBe(false);
    const result = flag.safeParse('yes');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['must be "true" or "false"']);
  });
});

describe('loadConfig: REDIS_ALLOW_EVICTION', () => {
  it('is off by default, on only for "true", and refuses anything but true or false', () => {
    expect(loadConfig(validEnv()).redisAllowEviction).toBe(false);
    expect(loadConfig(validEnv({ REDIS_ALLOW_EVICTION: 'true' })).redisAllowEviction).toBe(true);
    expect(loadConfig(validEnv({ REDIS_ALLOW_EVICTION: 'false' })).redisAllowEviction).toBe(false);
    expect(configError(validEnv({ REDIS_ALLOW_EVICTION: 'yes' })).problems).toEqual([
      'REDIS_ALLOW_EVICTION must be "true" or "false"',
    ]);
  });
});
