/** `fx-bridge check` against the Fxiaoke emulator and the fake Slack Web API. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { runCli } from '../../src/cli/run.js';
import {
  APP_SECRET,
  APP_TOKEN,
  BOT_TOKEN,
  captureIo,
  cliEnv,
  PERMANENT_CODE,
  SERVICE_ID,
} from './cli-env.js';

let emulator: FxiaokeEmulator;
let slack: FakeSlackApi;
let dir: string;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
  });
  slack = await FakeSlackApi.start();
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-cli-'));
  env = cliEnv(dir, { slack: slack.url, fxiaoke: emulator.url, appId: emulator.options.appId });
});

afterEach(async () => {
  await slack.stop();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

function secretsIn(text: string): string[] {
  return [BOT_TOKEN, APP_SECRET, PERMANENT_CODE, TEST_SIGNING_SECRET, APP_TOKEN].filter((secret) =>
    text.includes(secret),
  );
}

describe('fx-bridge check', () => {
  it('passes every check and says so, one line each', async () => {
    const io = captureIo(env);
    expect(await runCli(['check'], io)).toBe(0);
    const lines = io.stdout.join('\n').split('\n');
    expect(lines[0]).toMatch(
      /^✓ configuration +http mode, port 3000, store SQLite .*fx-bridge\.db, Fxiaoke header auth as employee 1000, service account FSAID_svc0001/,
    );
    expect(lines[1]).toMatch(
      new RegExp(`^✓ Fxiaoke token +issued by ${emulator.url} for app ${emulator.options.appId}`),
    );
    expect(lines[2]).toMatch(/^✓ relay store +SQLite .* answers$/);
    expect(lines[3]).toMatch(
      /^✓ Slack auth\.test +bot fx-bridge \(U0BOT, B0BOT\) in team fx-test \(T0TEST\)$/,
    );
    expect(io.output).toContain('All checks passed.');
    expect(emulator.tokenFetches()).toBe(1);
    expect(slack.callsTo('auth.test')).toHaveLength(1);
    expect(secretsIn(io.output)).toEqual([]);
  });

  it('fails with the reason when Fxiaoke refuses the credentials, and never prints a secret', async () => {
    const io = captureIo({ ...env, FXIAOKE_APP_SECRET: 'a-wrong-app-secret-123456' });
    expect(await runCli(['check'], io)).toBe(1);
    const fxLine = io.output.split('\n').find((line) => line.includes('Fxiaoke token'));
    expect(fxLine).toMatch(/^✗ Fxiaoke token +the appSecret is wrong .*errorCode 10006/);
    expect(io.output).toMatch(/✓ relay store/);
    expect(io.output).toMatch(/✓ Slack auth\.test/);
    expect(io.output).toContain('1 check failed');
    expect(io.output).not.toContain('a-wrong-app-secret-123456');
    expect(secretsIn(io.output)).toEqual([]);
  });

  it('fails when Slack rejects the bot token', async () => {
    slack.failNext('auth.test', 'invalid_auth');
    const io = captureIo(env);
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toMatch(/✗ Slack auth\.test +Slack answered "invalid_auth"/);
  });

  it('fails when the store cannot be opened', async () => {
    // A regular file where the data directory should be: SQLite cannot create the database.
    writeFileSync(join(dir, 'blocker'), 'not a directory');
    const io = captureIo({ ...env, STORE_URL: `sqlite:${join(dir, 'blocker', 'fx.db')}` });
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toMatch(/✗ relay store +\S/);
    expect(io.output).toMatch(/✓ Fxiaoke token/);
  });

  it('fails when Fxiaoke cannot be reached, within the time allowed', async () => {
    await emulator.stop();
    const io = captureIo(env);
    // Nothing listens: refused at once. A check that hung instead would hit the test's timeout.
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toMatch(/✗ Fxiaoke token +\S/);
    emulator = await FxiaokeEmulator.start(); // afterEach stops it again
  });

  it('checks the app token too in Socket Mode', async () => {
    slack.setSocketModeUrl('wss://127.0.0.1:1/link');
    const io = captureIo({ ...env, SLACK_MODE: 'socket', SLACK_APP_TOKEN: APP_TOKEN });
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.output).toMatch(/✓ Slack Socket Mode +the app token may open a connection/);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(secretsIn(io.output)).toEqual([]);
  });

  it('reports configuration problems with exit code 78 and tries nothing else', async () => {
    const io = captureIo({ ...env, SLACK_BOT_TOKEN: 'not-a-token', FXIAOKE_APP_ID: undefined });
    expect(await runCli(['check'], io)).toBe(78);
    expect(io.output).toMatch(/^✗ configuration +2 problems:/);
    expect(io.output).toContain('- SLACK_BOT_TOKEN must start with xoxb-');
    expect(io.output).toContain('- FXIAOKE_APP_ID is not set');
    expect(io.output).toMatch(/- Fxiaoke token +not tried/);
    expect(io.output).not.toContain('not-a-token');
    expect(emulator.requests).toHaveLength(0);
    expect(slack.calls).toHaveLength(0);
  });

  it('never shows a Redis password', async () => {
    const io = captureIo({ ...env, STORE_URL: 'redis://:hunter2-redis-password@127.0.0.1:1/0' });
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toContain('store Redis redis://127.0.0.1:1/0');
    expect(io.output).not.toContain('hunter2');
  });

  it('never shows a PostgreSQL password', async () => {
    const io = captureIo({
      ...env,
      STORE_URL: 'postgres://fx:hunter2-pg-password@127.0.0.1:1/fx?sslmode=disable',
    });
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toContain('store PostgreSQL postgres://fx@127.0.0.1:1/fx');
    expect(io.output).toMatch(
      /✗ relay store +Could not connect to the PostgreSQL store at postgres:\/\/fx@127\.0\.0\.1:1\/fx/,
    );
    expect(io.output).not.toContain('hunter2');
  });
});

describe('fx-bridge check: message events (edits and deletes)', () => {
  it('says it cannot tell when Slack lists no scopes, and fails nothing for it', async () => {
    const io = captureIo(env);
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.output).toMatch(
      /- Slack message events +could not tell: Slack did not list the token’s scopes/,
    );
  });

  it('passes with the history scopes, and says what a bot token cannot show', async () => {
    slack.oauthScopes = [
      'commands',
      'chat:write',
      'channels:history',
      'groups:history',
      'im:history',
      'mpim:history',
    ];
    const io = captureIo(env);
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.output).toMatch(
      /✓ Slack message events +the token has channels:history, groups:history, im:history, mpim:history \(sync.edits: ask, sync.deletes: ask\)/,
    );
    expect(io.output).toContain('message.channels');
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('fails, naming the missing scopes and the way out, when some are missing', async () => {
    slack.oauthScopes = ['commands', 'chat:write', 'channels:history'];
    const io = captureIo(env);
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toMatch(
      /✗ Slack message events +the bot token lacks groups:history, im:history, mpim:history/,
    );
    expect(io.output).toContain('set sync.edits and sync.deletes to off');
    expect(io.output).toContain('Update the copy in Fxiaoke');
  });

  it('skips the question when sync is off', async () => {
    slack.oauthScopes = ['commands'];
    const path = join(dir, 'sync-off.yml');
    writeFileSync(path, 'sync:\n  edits: off\n  deletes: off\n');
    const io = captureIo({ ...env, FX_BRIDGE_CONFIG: path });
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.output).toMatch(/- Slack message events +not needed: sync.edits and sync.deletes are off/);
  });
});

describe('fx-bridge check: channel routes', () => {
  const routes = [
    'routes:',
    '  C0SALES:',
    '    to: ["1001"]',
    '    forward: all',
    '  C0DEALS:',
    '    to: ["1001"]',
    '    forward: reaction',
    '',
  ].join('\n');
  const withRoutes = () => {
    const path = join(dir, 'routes.yml');
    writeFileSync(path, routes);
    return captureIo({ ...env, FX_BRIDGE_CONFIG: path });
  };
  const history = ['channels:history', 'groups:history', 'im:history', 'mpim:history'];

  it('says nothing of routes when there are none', async () => {
    const io = captureIo(env);
    await runCli(['check'], io);
    expect(io.output).not.toContain('Slack channel routes');
  });

  it('passes with the scopes routes need, and says whether channels get their names', async () => {
    slack.oauthScopes = ['commands', ...history, 'reactions:read', 'reactions:write'];
    const io = withRoutes();
    expect(await runCli(['check'], io)).toBe(0);
    expect(io.output).toMatch(
      /✓ Slack channel routes +C0SALES \(all\), C0DEALS \(reaction :outbox_tray:\): the token has channels:history, groups:history, reactions:write, reactions:read/,
    );
    expect(io.output).toContain(
      'Without channels:read, groups:read the attribution in Fxiaoke names a channel by its id.',
    );
    expect(io.output).toContain('reaction_added');
  });

  it('fails, naming the missing scopes, when the token cannot hear, read or mark routed messages', async () => {
    slack.oauthScopes = ['commands', ...history, 'channels:read', 'groups:read'];
    const io = withRoutes();
    expect(await runCli(['check'], io)).toBe(1);
    expect(io.output).toMatch(
      /✗ Slack channel routes +C0SALES \(all\), C0DEALS \(reaction :outbox_tray:\): the bot token lacks reactions:write, reactions:read/,
    );
    expect(io.output).toContain('Channels are named in Fxiaoke by their Slack names.');
  });
});
