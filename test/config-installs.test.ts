import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const KEY = randomBytes(32).toString('base64');
const INSTALL_ENV = {
  SLACK_SIGNING_SECRET: 'signing-secret-123456',
  SLACK_CLIENT_ID: '1111.2222',
  SLACK_CLIENT_SECRET: 'client-secret-123456',
  SLACK_STATE_SECRET: 'state-secret-0123456789abcdef0123456789',
  FX_BRIDGE_SECRET_KEY: KEY,
  STORE_URL: 'memory:',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('install mode configuration', () => {
  it('needs no bot token and no Fxiaoke credentials: each workspace brings its own', () => {
    const config = loadConfig(INSTALL_ENV);
    expect(config.installs).toEqual({
      clientId: '1111.2222',
      clientSecret: 'client-secret-123456',
      stateSecret: INSTALL_ENV.SLACK_STATE_SECRET,
      secretKey: KEY,
      oldSecretKey: undefined,
      allowedBaseUrls: expect.arrayContaining(['https://open.fxiaoke.com', 'https://open-na.sharecrm.com']),
    });
    expect(config.slack.mode).toBe('http');
    expect(config.slack.botToken).toBe('');
  });

  it('names each missing install setting, and the secret key, in one error', () => {
    const problems = problemsOf({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '1111.2222' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_CLIENT_SECRET is not set/),
        expect.stringMatching(/^SLACK_STATE_SECRET is not set/),
        expect.stringMatching(/^FX_BRIDGE_SECRET_KEY is not set/),
      ]),
    );
    expect(problems.some((problem) => problem.startsWith('SLACK_BOT_TOKEN'))).toBe(false);
    expect(problems.some((problem) => problem.startsWith('FXIAOKE_'))).toBe(false);
  });

  it('refuses a secret key that is not 32 bytes, naming the variable and never the value', () => {
    for (const bad of [
      'too-short-key',
      randomBytes(16).toString('hex'),
      randomBytes(33).toString('base64'),
    ]) {
      const problems = problemsOf({
        ...INSTALL_ENV,
        FX_BRIDGE_SECRET_KEY: bad,
        FX_BRIDGE_OLD_SECRET_KEY: bad,
      });
      expect(problems).toEqual([
        expect.stringMatching(/^FX_BRIDGE_SECRET_KEY must be 32 random bytes/),
        expect.stringMatching(/^FX_BRIDGE_OLD_SECRET_KEY must be 32 random bytes/),
      ]);
      expect(problems.join('\n')).not.toContain(bad);
    }
  });

  it('reads FXIAOKE_ALLOWED_BASE_URLS as origins, and refuses one with a path', () => {
    const config = loadConfig({
      ...INSTALL_ENV,
      FXIAOKE_ALLOWED_BASE_URLS: 'https://fx.example.com/, http://127.0.0.1:8080',
    });
    expect(config.installs?.allowedBaseUrls).toEqual(['https://fx.example.com', 'http://127.0.0.1:8080']);
    expect(problemsOf({ ...INSTALL_ENV, FXIAOKE_ALLOWED_BASE_URLS: 'https://fx.example.com/api' })).toEqual([
      expect.stringMatching(/^FXIAOKE_ALLOWED_BASE_URLS must be a comma-separated list of origins/),
    ]);
  });

  it('refuses Socket Mode in install mode', () => {
    const problems = problemsOf({ ...INSTALL_ENV, SLACK_MODE: 'socket', SLACK_APP_TOKEN: 'xapp-1' });
    expect(problems).toEqual([expect.stringMatching(/^SLACK_MODE must be http in install mode/)]);
  });

  it('stays single-workspace mode when a bot token is set, with every FXIAOKE_* variable required', () => {
    const problems = problemsOf({ ...INSTALL_ENV, SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FXIAOKE_APP_ID is not set/),
        expect.stringMatching(/^FXIAOKE_APP_SECRET is not set/),
      ]),
    );
  });
});
