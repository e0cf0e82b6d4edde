/** `fx-bridge workspaces list|connect|disconnect` on a real SQLite file against the Fxiaoke emulator. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { runCli } from '../../src/cli/run.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE } from '../e2e/harness.js';
import { captureIo } from './cli-env.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-workspaces-'));
const KEY = randomBytes(32);
const path = join(dir, 'bridge.db');
const ONE_TOKEN = 'xoxb-workspace-one-check-0123';
const ORG_TOKEN = 'xoxb-org-check-0123';
let emulator: FxiaokeEmulator;
let slack: FakeSlackApi;

function env(extra: Record<string, string> = {}) {
  return {
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret-for-tests',
    SLACK_STATE_SECRET: 'state-secret-for-tests-0123456789abcdef',
    FX_BRIDGE_SECRET_KEY: KEY.toString('base64'),
    FXIAOKE_ALLOWED_BASE_URLS: emulator.url,
    SLACK_API_URL: slack.url,
    STORE_URL: `sqlite:${path}`,
    ...extra,
  };
}

async function cli(args: string[], extra: Record<string, string> = {}) {
  const io = captureIo(env(extra));
  const code = await runCli(['workspaces', ...args], io);
  return { code, output: io.output };
}

beforeAll(async () => {
  emulator = await FxiaokeEmulator.start({ appSecret: APP_SECRET, permanentCode: PERMANENT_CODE });
  slack = await FakeSlackApi.start();
  const store = openSqliteStore({ path });
  const vault = new InstallationVault(installationsOf(store), new SecretBox(KEY));
  await vault.saveSlack({ team: { id: 'T0ONE', name: 'One' }, bot: { token: ONE_TOKEN } });
  await vault.saveSlack({
    enterprise: { id: 'E0ORG', name: 'Org' },
    isEnterpriseInstall: true,
    bot: { token: ORG_TOKEN },
  });
  await store.close();
});
afterAll(async () => {
  await emulator.stop();
  await slack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fx-bridge workspaces', () => {
  it('lists, connects (token first, secrets only from the environment), and disconnects', async () => {
    const listed = await cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.output).toMatch(/E:E0ORG\s+Org .*Fxiaoke not connected/);
    expect(listed.output).toMatch(/T:T0ONE\s+One .*Fxiaoke not connected/);

    const connect = ['connect', 'T0ONE', '--app-id', emulator.options.appId, '--user-id', '1000'];
    const noSecrets = await cli(connect);
    expect(noSecrets.code).toBe(78);
    expect(noSecrets.output).toContain('FXIAOKE_APP_SECRET');

    const wrong = await cli(connect, {
      FXIAOKE_APP_SECRET: 'wrong-secret-value',
      FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(
      /T:T0ONE: Fxiaoke refused these credentials: .*code \d+, traceId \S+\. Nothing was kept\./,
    );
    expect(wrong.output).not.toContain('wrong-secret-value');

    const outside = await cli([...connect, '--base-url', 'http://10.0.0.1:8080'], {
      FXIAOKE_APP_SECRET: APP_SECRET,
      FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
    });
    expect(outside.code).toBe(2);

    const right = await cli(connect, {
      FXIAOKE_APP_SECRET: APP_SECRET,
      FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
    });
    expect(right.code).toBe(0);
    expect(right.output).toContain(
      `T:T0ONE: Fxiaoke ${emulator.options.appId} at ${emulator.url} connected.`,
    );

    const json = await cli(['list', '--json']);
    expect(JSON.parse(json.output)).toEqual([
      expect.objectContaining({ key: 'E:E0ORG', fxiaoke: null }),
      expect.objectContaining({
        key: 'T:T0ONE',
        fxiaoke: { baseUrl: emulator.url, appId: emulator.options.appId, userId: '1000' },
      }),
    ]);
    for (const secret of [APP_SECRET, PERMANENT_CODE, 'fxs1.']) expect(json.output).not.toContain(secret);

    expect((await cli(['disconnect', 'T:T0ONE'])).code).toBe(0);
    expect((await cli(['disconnect', 'T0ONE'])).code).toBe(1);
    expect((await cli(['list'])).output).toMatch(/T:T0ONE\s+One .*Fxiaoke not connected/);
  });

  it('fx-bridge check in install mode: the store, every installation opening with the key, each workspace’s token and tenant', async () => {
    expect(
      (
        await cli(['connect', 'T0ONE', '--app-id', emulator.options.appId, '--user-id', '1000'], {
          FXIAOKE_APP_SECRET: APP_SECRET,
          FXIAOKE_PERMANENT_CODE: PERMANENT_CODE,
        })
      ).code,
    ).toBe(0);
    const ok = captureIo(env());
    expect(await runCli(['check'], ok)).toBe(0);
    expect(ok.output).toMatch(/✓ installations\s+2, every one opens with FX_BRIDGE_SECRET_KEY/);
    expect(ok.output).toMatch(/✓ T:T0ONE Slack auth.test\s+bot /);
    expect(ok.output).toMatch(/✓ E:E0ORG Slack auth.test\s+bot /);
    expect(ok.output).toMatch(new RegExp(`✓ T:T0ONE Fxiaoke token\\s+${emulator.options.appId} at`));
    expect(ok.output).toMatch(/- E:E0ORG Fxiaoke token\s+not connected/);
    for (const secret of [ONE_TOKEN, ORG_TOKEN, APP_SECRET, PERMANENT_CODE])
      expect(ok.output).not.toContain(secret);

    slack.oauth.revoke(ORG_TOKEN);
    const revoked = captureIo(env());
    expect(await runCli(['check'], revoked)).toBe(1);
    expect(revoked.output).toMatch(/✗ E:E0ORG Slack auth.test\s+invalid_auth/);

    const wrong = captureIo(env({ FX_BRIDGE_SECRET_KEY: randomBytes(32).toString('hex') }));
    expect(await runCli(['check'], wrong)).toBe(1);
    expect(wrong.output).toMatch(/✗ installations\s+2 of 2 do not open with FX_BRIDGE_SECRET_KEY/);
  });

  it('refuses outside install mode and a malformed team id', async () => {
    expect((await cli(['disconnect', 'nonsense'])).code).toBe(2);
    const single = captureIo({
      ...env(),
      SLACK_BOT_TOKEN: 'xoxb-1',
      FXIAOKE_APP_ID: 'FSAID_1',
      FXIAOKE_APP_SECRET: 's',
      FXIAOKE_PERMANENT_CODE: 'p',
      FXIAOKE_USER_ID: '1000',
    });
    expect(await runCli(['workspaces', 'list'], single)).toBe(78);
    expect(single.output).toContain('only install mode has workspaces');
  });
});
