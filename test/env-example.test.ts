/**
 * `.env.example` copied to `.env` and not filled in must fail at start with problems that name what
 * to change, not get as far as Slack or Fxiaoke and fail there with an opaque API error.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const source = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
const example = parseEnv(source);

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('.env.example as shipped', () => {
  it('selects Socket Mode, the manifest’s default, by listing SLACK_APP_TOKEN first', () => {
    const first = /^([A-Z_]+)=/m.exec(source)?.[1];
    expect(first).toBe('SLACK_APP_TOKEN');
    expect(example.SLACK_SIGNING_SECRET).toBeUndefined();
  });

  it('pre-fills no required value with a made-up one', () => {
    expect(example.FXIAOKE_USER_ID).toBe('');
  });

  it('is refused by name: each placeholder, and each empty required value', () => {
    const problems = problemsOf(example);
    expect(problems).toEqual(
      expect.arrayContaining([
        'SLACK_APP_TOKEN is still the placeholder from .env.example (xapp-your-app-token): replace it with your real value',
        'SLACK_BOT_TOKEN is still the placeholder from .env.example (xoxb-your-bot-token): replace it with your real value',
        'FXIAOKE_APP_ID is still the placeholder from .env.example (FSAID_): replace it with your real value',
      ]),
    );
    for (const name of ['FXIAOKE_APP_SECRET', 'FXIAOKE_PERMANENT_CODE', 'FXIAOKE_USER_ID']) {
      expect(problems.some((problem) => problem.startsWith(`${name} is not set`))).toBe(true);
    }
  });

  it('refuses a bare FSAID_ service account, and accepts real-looking values', () => {
    expect(problemsOf({ ...example, FXIAOKE_SERVICE_ID: 'FSAID_' })).toContain(
      'FXIAOKE_SERVICE_ID is still the placeholder from .env.example (FSAID_): replace it with your real value',
    );
    const filled = loadConfig({
      ...example,
      SLACK_APP_TOKEN: 'xapp-1-A0-123-abc',
      SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
      FXIAOKE_APP_ID: 'FSAID_1319ab5',
      FXIAOKE_APP_SECRET: 'secret-value',
      FXIAOKE_PERMANENT_CODE: 'permanent-code',
      FXIAOKE_USER_ID: '1000',
    });
    expect(filled.slack.mode).toBe('socket');
  });
});

describe('the mode error', () => {
  it('names both ways to connect when neither is set', () => {
    const problems = problemsOf({ ...example, SLACK_APP_TOKEN: undefined });
    expect(problems).toContain(
      'no Slack connection is configured: set SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for HTTP mode',
    );
    expect(problems.some((problem) => problem.startsWith('SLACK_SIGNING_SECRET is not set'))).toBe(false);
  });

  it('names the one variable an explicit SLACK_MODE needs', () => {
    expect(
      problemsOf({ SLACK_MODE: 'http' }).some((p) => p.startsWith('SLACK_SIGNING_SECRET is not set')),
    ).toBe(true);
    expect(problemsOf({ SLACK_MODE: 'socket' }).some((p) => p.startsWith('SLACK_APP_TOKEN is not set'))).toBe(
      true,
    );
  });
});

describe('LOG_FORMAT', () => {
  const valid = {
    SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
    SLACK_SIGNING_SECRET: 'signing-secret-value',
    FXIAOKE_APP_ID: 'FSAID_1',
    FXIAOKE_APP_SECRET: 'secret-value',
    FXIAOKE_PERMANENT_CODE: 'permanent-code',
    FXIAOKE_USER_ID: '1000',
  };
  it('is auto by default, json in production, and as set otherwise', () => {
    expect(loadConfig(valid).logFormat).toBe('auto');
    expect(loadConfig({ ...valid, NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({ ...valid, NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(problemsOf({ ...valid, LOG_FORMAT: 'xml' })).toEqual([
      'LOG_FORMAT must be "auto", "json" or "pretty"',
    ]);
  });
});
