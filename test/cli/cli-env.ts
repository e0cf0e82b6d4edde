/** Shared by the CLI tests: an in-memory CliIo and a valid environment pointing at local fakes. */
import { join } from 'node:path';
import { TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import type { CliIo } from '../../src/cli/io.js';

export const BOT_TOKEN = 'xoxb-cli-test-bot-token-0123456789';
export const APP_TOKEN = 'xapp-1-cli-test-app-token-abcdef';
export const APP_SECRET = 'cli-test-app-secret-9a8b7c';
export const PERMANENT_CODE = 'cli-test-permanent-code-55ee';
export const SERVICE_ID = 'FSAID_svc0001';

export interface CapturedIo extends CliIo {
  stdout: string[];
  stderr: string[];
  readonly output: string;
}

export function captureIo(env: Record<string, string | undefined> = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    env,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    get output() {
      return [...stdout, ...stderr].join('\n');
    },
  };
}

export function cliEnv(
  dir: string,
  urls: { slack?: string; fxiaoke?: string; appId?: string } = {},
): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_MODE: 'http',
    SLACK_API_URL: urls.slack ?? 'http://127.0.0.1:9/api/',
    FXIAOKE_BASE_URL: urls.fxiaoke ?? 'http://127.0.0.1:9',
    FXIAOKE_APP_ID: urls.appId ?? 'FSAID_cli',
    FXIAOKE_APP_SECRET: APP_SECRET,
    FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
    FXIAOKE_USER_ID: '1000',
    FXIAOKE_SERVICE_ID: SERVICE_ID,
    FXIAOKE_TIMEOUT_MS: '2000',
    STORE_URL: `sqlite:${join(dir, 'data', 'fx-bridge.db')}`,
    LOG_LEVEL: 'silent',
  };
}
