/**
 * Install mode, Connect Fxiaoke end to end: the real Bolt app over HTTP, the fake Slack, the
 * Fxiaoke emulator, a SQLite file. Only the installer or an admin gets the form; a refused
 * credential comes back inline with Fxiaoke's code and traceId and nothing is kept; an address
 * outside FXIAOKE_ALLOWED_BASE_URLS is refused without calling it; a connected tenant is kept
 * sealed on its own workspace only (sending with it: installs-send.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { blockActionPayload, viewSubmissionPayload } from '../../dev/fakes/slack-requests.js';
import { NOT_CONNECTED } from '../../src/slack/installs/texts.js';
import { APP_SECRET, PERMANENT_CODE } from './harness.js';
import { InstallKit } from './install-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-connect-'));
let slack: FakeSlackApi;
let emulator: FxiaokeEmulator;
let kit: InstallKit;

beforeAll(async () => {
  slack = await FakeSlackApi.start();
  emulator = await FxiaokeEmulator.start({ appSecret: APP_SECRET, permanentCode: PERMANENT_CODE });
  kit = new InstallKit(slack, dir, { FXIAOKE_ALLOWED_BASE_URLS: emulator.url });
  slack.addUser({ id: 'U0BOSS', name: 'boss', is_admin: true });
  slack.addUser({ id: 'U0PLAIN', name: 'plain' });
});
afterEach(() => kit.stopAll());
afterAll(async () => {
  await Promise.all([slack.stop(), emulator.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function form(overrides: Record<string, string | undefined> = {}) {
  const fields: Record<string, string | undefined> = {
    fx_base_url: emulator.url,
    fx_app_id: emulator.options.appId,
    fx_app_secret: APP_SECRET,
    fx_permanent_code: PERMANENT_CODE,
    fx_user_id: '1000',
    fx_service_id: undefined,
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(fields).map(([id, value]) => [
      id,
      { [id]: { type: 'plain_text_input', value: value ?? null } },
    ]),
  );
}

async function submit(base: string, teamId: string, userId: string, values: ReturnType<typeof form>) {
  const res = await kit.interact(
    base,
    viewSubmissionPayload({ callbackId: 'fx_connect_modal', teamId, userId, values }),
  );
  expect(res.status).toBe(200);
  const text = await res.text();
  return text === ''
    ? undefined
    : (JSON.parse(text) as { response_action: string; errors: Record<string, string> });
}

describe('install mode: Connect Fxiaoke (App Home → fx_connect → fx_connect_modal)', () => {
  it('connects a workspace’s own tenant, sealed; refusals inline; nothing reaches another workspace', async () => {
    const path = kit.freshFile();
    const { bridge, base } = await kit.start(path);
    const one = await kit.install(base, { teamId: 'T0ONE', userId: 'U0INSTALLER' });
    await kit.install(base, { teamId: 'T0TWO', userId: 'U0OTHER' });

    // The installer and an admin get the button; anyone else does not.
    expect((await kit.openHome(base, 'T0ONE', { user: 'U0INSTALLER' })).view).toContain(
      '"action_id":"fx_connect"',
    );
    expect((await kit.openHome(base, 'T0ONE', { user: 'U0BOSS' })).view).toContain(
      '"action_id":"fx_connect"',
    );
    expect((await kit.openHome(base, 'T0ONE', { user: 'U0PLAIN' })).view).not.toContain('fx_connect');

    const opened = slack.callsTo('views.open').length;
    const click = blockActionPayload({
      actionId: 'fx_connect',
      teamId: 'T0ONE',
      userId: 'U0INSTALLER',
      messageTs: '1.1',
      responseUrl: `${slack.baseUrl}/response/c`,
    });
    expect((await kit.interact(base, click)).status).toBe(200);
    await expect.poll(() => slack.callsTo('views.open').length).toBe(opened + 1);
    const modal = slack.callsTo('views.open')[opened];
    expect(modal?.headers.authorization).toBe(`Bearer ${one.botToken}`);
    expect(JSON.stringify(modal?.body.view)).toContain('"callback_id":"fx_connect_modal"');

    const fetchesBefore = emulator.tokenFetches();
    const requestsBefore = emulator.requests.length;
    const outside = await submit(
      base,
      'T0ONE',
      'U0INSTALLER',
      form({ fx_base_url: 'http://169.254.169.254' }),
    );
    expect(outside?.errors.fx_base_url).toContain('Not an allowed Fxiaoke address');
    const plain = await submit(base, 'T0ONE', 'U0PLAIN', form());
    expect(plain?.errors.fx_app_id).toContain('Only workspace admins');
    expect(emulator.requests.length).toBe(requestsBefore);

    const refused = await submit(base, 'T0ONE', 'U0INSTALLER', form({ fx_app_secret: 'not-the-secret' }));
    expect(refused?.errors.fx_app_secret).toMatch(
      /Fxiaoke refused these credentials: .*code \d+, traceId \S+\. Nothing was kept\./,
    );
    expect(refused?.errors.fx_app_secret).not.toContain('not-the-secret');
    expect(await bridge.vault.tenantOf('T:T0ONE')).toBeUndefined();
    expect(emulator.tokenFetches()).toBe(fetchesBefore);

    expect(await submit(base, 'T0ONE', 'U0INSTALLER', form())).toBeUndefined();
    expect(await bridge.vault.tenantOf('T:T0ONE')).toMatchObject({
      appId: emulator.options.appId,
      appSecret: APP_SECRET,
      userId: '1000',
    });
    expect(await bridge.vault.tenantOf('T:T0TWO')).toBeUndefined();
    const file = readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`).toString('latin1');
    expect(file).not.toContain(APP_SECRET);
    expect(file).not.toContain(PERMANENT_CODE);
    expect((await kit.openHome(base, 'T0ONE', { user: 'U0PLAIN' })).view).toContain('Fxiaoke is connected');

    // Workspace two has connected nothing: its /fx-send says how to, and calls no tenant.
    const calls = emulator.requests.length;
    expect(await kit.fxSend(base, 'T0TWO')).toBe(NOT_CONNECTED);
    expect(emulator.requests.length).toBe(calls);
  });
});
