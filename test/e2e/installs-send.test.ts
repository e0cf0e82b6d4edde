/**
 * Install mode sends: two workspaces and an Enterprise Grid org, each connected to its own Fxiaoke
 * tenant (three emulators), send and revoke through the real Bolt app over signed HTTP. Each
 * relay reaches its own tenant only, with its workspace's bot token; a button carrying another
 * workspace's relay id finds nothing; an uninstalled workspace is refused; after a restart the
 * relays are still there, and work a stopped bridge left is carried on by its own workspace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { blockActionPayload, viewSubmissionPayload } from '../../dev/fakes/slack-requests.js';
import { runCli } from '../../src/cli/run.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { NOT_INSTALLED } from '../../src/slack/installs/texts.js';
import { captureIo } from '../cli/cli-env.js';
import { InstallKit } from './install-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-installs-send-'));
let slack: FakeSlackApi;
/** One Fxiaoke tenant per workspace: credentials of its own, a service account of its own. */
const tenants: Record<'one' | 'two' | 'org', FxiaokeEmulator> = {} as never;
let kit: InstallKit;

const SECRETS = {
  one: {
    appId: 'FSAID_one',
    appSecret: 'secret-of-tenant-one-1111',
    permanentCode: 'code-one-1111',
    serviceId: 'FSAID_svcone',
  },
  two: {
    appId: 'FSAID_two',
    appSecret: 'secret-of-tenant-two-2222',
    permanentCode: 'code-two-2222',
    serviceId: 'FSAID_svctwo',
  },
  org: {
    appId: 'FSAID_org',
    appSecret: 'secret-of-tenant-org-3333',
    permanentCode: 'code-org-3333',
    serviceId: 'FSAID_svcorg',
  },
} as const;

/** Where each workspace's requests come from: a team, and for the org, the org too. */
const WORKSPACES = {
  one: { teamId: 'T0ONE', user: 'U0ONE' },
  two: { teamId: 'T0TWO', user: 'U0TWO' },
  org: { teamId: 'T0ORGWS', user: 'U0ORGUSER', enterpriseId: 'E0ORG' },
} as const;
type Name = keyof typeof WORKSPACES;

beforeAll(async () => {
  slack = await FakeSlackApi.start();
  for (const name of ['one', 'two', 'org'] as const) {
    const { serviceId, ...credentials } = SECRETS[name];
    tenants[name] = await FxiaokeEmulator.start({
      ...credentials,
      serviceIds: [serviceId],
      messageIdLocation: 'top',
    });
  }
  kit = new InstallKit(slack, dir, {
    FXIAOKE_ALLOWED_BASE_URLS: Object.values(tenants)
      .map((emulator) => emulator.url)
      .join(','),
  });
});
afterEach(() => kit.stopAll());
afterAll(async () => {
  await Promise.all([slack.stop(), ...Object.values(tenants).map((emulator) => emulator.stop())]);
  rmSync(dir, { recursive: true, force: true });
});

/** Makes a Slack payload come from the org's workspace, as an org-wide install's payloads do. */
function fromWorkspace<T extends Record<string, unknown>>(name: Name, payload: T): T {
  const where = WORKSPACES[name];
  if (!('enterpriseId' in where)) return payload;
  return { ...payload, enterprise: { id: where.enterpriseId, name: 'Org' }, is_enterprise_install: true };
}

async function installAll(base: string) {
  const one = await kit.install(base, { teamId: 'T0ONE', userId: 'U0ONE' });
  const two = await kit.install(base, { teamId: 'T0TWO', userId: 'U0TWO' });
  const org = await kit.install(base, {
    enterpriseId: 'E0ORG',
    enterpriseName: 'Org',
    isEnterpriseInstall: true,
    userId: 'U0ORGUSER',
  });
  return { one: one.botToken, two: two.botToken, org: org.botToken };
}

/** Connect Fxiaoke, submitted by the workspace's installer as App Home's modal does. */
async function connect(base: string, name: Name, tenant: Name = name) {
  const { appId, appSecret, permanentCode, serviceId } = SECRETS[tenant];
  const fields: Record<string, string> = {
    fx_base_url: tenants[tenant].url,
    fx_app_id: appId,
    fx_app_secret: appSecret,
    fx_permanent_code: permanentCode,
    fx_user_id: '1000',
    fx_service_id: serviceId,
  };
  const values = Object.fromEntries(
    Object.entries(fields).map(([id, value]) => [id, { [id]: { type: 'plain_text_input', value } }]),
  );
  const { teamId, user } = WORKSPACES[name];
  const payload = fromWorkspace(
    name,
    viewSubmissionPayload({ callbackId: 'fx_connect_modal', teamId, userId: user, values }),
  );
  const res = await kit.interact(base, payload);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('');
}

/** `/fx-send 1000 <text>` from the workspace; resolves with the receipt's chat.postMessage call. */
async function send(base: string, name: Name, text: string) {
  const { teamId, user } = WORKSPACES[name];
  const before = slack.callsTo('chat.postMessage').length;
  const org = 'enterpriseId' in WORKSPACES[name] ? WORKSPACES.org.enterpriseId : undefined;
  const ack = await kit.fxSend(base, teamId, {
    text: `1000 ${text}`,
    user_id: user,
    ...(org ? { enterprise_id: org, is_enterprise_install: 'true' } : {}),
  });
  expect(ack).toBe('');
  const receipt = await slack.waitFor(
    () =>
      slack
        .callsTo('chat.postMessage')
        .slice(before)
        .find((call) => JSON.stringify(call.body).includes(text)),
    10_000,
  );
  return receipt;
}

async function relayOf(bridgeStore: { listRecent(limit: number): Promise<RelayRecord[]> }, text: string) {
  const all = await bridgeStore.listRecent(100);
  const record = all.find((each) => each.text === text);
  if (!record) throw new Error(`no relay of "${text}"`);
  return record;
}

/** The Revoke button of a receipt, clicked by `user` of workspace `name`; resolves with the answer. */
async function clickRevoke(base: string, name: Name, relayId: string, user: string = WORKSPACES[name].user) {
  const responseUrl = slack.responseUrl();
  const payload = fromWorkspace(
    name,
    blockActionPayload({
      actionId: 'fx_revoke',
      value: relayId,
      teamId: WORKSPACES[name].teamId,
      userId: user,
      messageTs: '1700000000.000001',
      responseUrl,
    }),
  );
  expect((await kit.interact(base, payload)).status).toBe(200);
  const answer = await slack.waitFor(() => slack.responsesTo(responseUrl)[0], 10_000);
  return String(answer.body.text ?? '');
}

describe('install mode: each workspace sends and revokes with its own Fxiaoke tenant', () => {
  it('sends and revokes in two workspaces and an org, each only with its own tenant and token', async () => {
    const { bridge, base } = await kit.start(kit.freshFile());
    const tokens = await installAll(base);
    for (const name of ['one', 'two', 'org'] as const) await connect(base, name);

    for (const name of ['one', 'two', 'org'] as const) {
      const receipt = await send(base, name, `hello from ${name}`);
      expect(receipt.headers.authorization).toBe(`Bearer ${tokens[name]}`);
      expect(JSON.stringify(receipt.body)).toContain('traceId');
    }
    // Each tenant got exactly its own workspace's message, through its own service account.
    for (const name of ['one', 'two', 'org'] as const) {
      expect(tenants[name].messages.map((message) => message.content)).toEqual([
        expect.stringContaining(`hello from ${name}`),
      ]);
      expect(tenants[name].requestsTo('/cgi/app/message/send')).toHaveLength(1);
    }

    // Metrics count each workspace's relays and Fxiaoke calls apart.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const key of ['T:T0ONE', 'T:T0TWO', 'E:E0ORG']) {
      expect(metrics).toContain(`fxbridge_relays_total{status="sent",tenant="${key}"} 1`);
      expect(metrics).toMatch(
        new RegExp(
          `fxbridge_fxiaoke_calls_total\\{path="/cgi/app/message/send",error_code="0",tenant="${key}"\\} 1`,
        ),
      );
    }

    // App Home: the connection (and the Connect button for the installer) above its own relays.
    const home = await kit.openHome(base, 'T0ONE', { user: 'U0ONE' });
    expect(home.authorization).toBe(`Bearer ${tokens.one}`);
    expect(home.view).toContain('Fxiaoke is connected');
    expect(home.view).toContain('"action_id":"fx_connect"');
    expect(home.view).toContain('hello from one');
    expect(home.view).not.toContain('hello from two');

    const records = {
      one: await relayOf(bridge.store, 'hello from one'),
      two: await relayOf(bridge.store, 'hello from two'),
      org: await relayOf(bridge.store, 'hello from org'),
    };
    expect(records.one.installation).toBe('T:T0ONE');
    expect(records.org.installation).toBe('E:E0ORG');

    // A forged button in workspace two carrying workspace one's relay id finds nothing, even from
    // a user with the sender's id (so no sender or admin rule is what refuses it).
    const forged = await clickRevoke(base, 'two', records.one.id, WORKSPACES.one.user);
    expect(forged).toContain('not relayed to Fxiaoke by fx-bridge');
    expect(forged).not.toContain('Revoked relay');
    expect(forged).not.toContain('hello from one');
    expect(tenants.one.requestsTo('/cgi/app/message/revoke')).toHaveLength(0);
    expect(tenants.two.requestsTo('/cgi/app/message/revoke')).toHaveLength(0);
    expect((await bridge.store.findById(records.one.id))?.status).toBe('sent');

    for (const name of ['one', 'two', 'org'] as const) {
      expect(await clickRevoke(base, name, records[name].id)).toContain('Revoked relay');
      expect(tenants[name].messages[0]?.revoked).toBe(true);
      expect(tenants[name].requestsTo('/cgi/app/message/revoke')).toHaveLength(1);
    }

    // Connected again, to another tenant: the next send goes there, with that tenant's credentials.
    await connect(base, 'two', 'org');
    await send(base, 'two', 'two, now through another tenant');
    expect(tenants.org.messages.at(-1)?.content).toContain('two, now through another tenant');
    expect(tenants.two.messages).toHaveLength(1);
  });

  it('counts each tenant’s rate budget apart; after a stop, work left waiting is sent by its own tenant; an uninstalled workspace is refused', async () => {
    const path = kit.freshFile();
    // One send per minute per tenant: the second send of workspace one waits for its budget.
    const slow = { FXIAOKE_RATE_LIMIT_CALLS: '1', FXIAOKE_RATE_LIMIT_WINDOW_MS: '60000' };
    const first = await kit.start(path, { drainTimeoutMs: 200 }, slow);
    await installAll(first.base);
    await connect(first.base, 'one');
    await connect(first.base, 'two');
    const oneBefore = tenants.one.messages.length;
    const twoBefore = tenants.two.messages.length;
    await send(first.base, 'one', 'first of one');
    expect(await kit.fxSend(first.base, 'T0ONE', { text: '1000 second of one', user_id: 'U0ONE' })).toBe('');
    // Workspace two's budget is its own: its send goes out while one's second waits.
    await send(first.base, 'two', 'first of two');
    expect(tenants.one.messages.slice(oneBefore).map((message) => message.content)).toEqual([
      expect.stringContaining('first of one'),
    ]);
    const waiting = await relayOf(first.bridge.store, 'second of one');
    expect(waiting.installation).toBe('T:T0ONE');
    expect(['received', 'pending']).toContain(waiting.status);

    await kit.post(first.base, kit.event('T0TWO', { type: 'app_uninstalled' }), 'application/json');
    await expect.poll(() => first.bridge.vault.find('T:T0TWO')).toBeUndefined();
    expect(await kit.fxSend(first.base, 'T0TWO', { user_id: 'U0TWO' })).toBe(NOT_INSTALLED);
    await first.bridge.stop();

    // The next start (the default budget) carries the waiting relay on with workspace one's tenant.
    const second = await kit.start(path);
    await expect
      .poll(async () => (await second.bridge.store.findById(waiting.id))?.status, { timeout: 15_000 })
      .toBe('sent');
    expect(tenants.one.messages.slice(oneBefore).map((message) => message.content)).toEqual([
      expect.stringContaining('first of one'),
      expect.stringContaining('second of one'),
    ]);
    expect(tenants.two.messages.slice(twoBefore).map((message) => message.content)).toEqual([
      expect.stringContaining('first of two'),
    ]);
    await send(second.base, 'one', 'after the restart');
    expect(await kit.fxSend(second.base, 'T0TWO', { user_id: 'U0TWO' })).toBe(NOT_INSTALLED);
  });

  it('relays a routed channel’s messages (the event path: recorded before the ack) with each workspace’s own tenant', async () => {
    const config = join(dir, 'routes.yml');
    writeFileSync(config, ['routes:', '  C0ROUTED:', '    to: ["1000"]', '    forward: all', ''].join('\n'));
    const { bridge, base } = await kit.start(kit.freshFile(), {}, { FX_BRIDGE_CONFIG: config });
    await installAll(base);
    await connect(base, 'one');
    await connect(base, 'two');
    const before = { one: tenants.one.messages.length, two: tenants.two.messages.length };
    for (const [name, ts] of [
      ['one', '1700200001.000100'],
      ['two', '1700200002.000100'],
    ] as const) {
      const { teamId, user } = WORKSPACES[name];
      const text = `routed in ${name}`;
      slack.addChannelMessage({ channel: 'C0ROUTED', user, text, ts });
      const event = {
        type: 'message',
        channel: 'C0ROUTED',
        user,
        text,
        ts,
        event_ts: ts,
        channel_type: 'channel',
        team: teamId,
      };
      const res = await kit.post(base, kit.event(teamId, event), 'application/json');
      expect(res.status).toBe(200);
      // Acked only once recorded, by the workspace's own app, stamped with its installation.
      const recorded = (await bridge.store.listRecent(20)).find((record) => record.text === text);
      expect(recorded?.installation).toBe(`T:${teamId}`);
    }
    await expect.poll(() => tenants.one.messages.length, { timeout: 10_000 }).toBe(before.one + 1);
    await expect.poll(() => tenants.two.messages.length, { timeout: 10_000 }).toBe(before.two + 1);
    expect(tenants.one.messages.at(-1)?.content).toContain('routed in one');
    expect(tenants.two.messages.at(-1)?.content).toContain('routed in two');
  });

  it('keeps settings per workspace: the installer edits an alias in App Home, used there only; audit and export per workspace', async () => {
    const path = kit.freshFile();
    const { base } = await kit.start(path);
    await installAll(base);
    await connect(base, 'one');
    await connect(base, 'two');

    // The installer of workspace one sees the Settings section and saves an alias.
    const home = await kit.openHome(base, 'T0ONE', { user: 'U0ONE' });
    expect(home.view).toContain('"action_id":"fx_settings_edit"');
    const yaml = 'crew: ["1000"]\n';
    const submission = viewSubmissionPayload({
      callbackId: 'fx_settings_modal',
      privateMetadata: 'aliases',
      teamId: 'T0ONE',
      userId: 'U0ONE',
      values: { fx_settings_yaml: { fx_settings_yaml: { type: 'plain_text_input', value: yaml } } },
    });
    const saved = await kit.interact(base, submission);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toBe('');
    // Someone else in workspace one (not an admin) gets no Settings section, and a forged save of
    // theirs stores nothing; a Slack admin of the workspace gets it and may save.
    slack.addUser({ id: 'U0PLAINONE', name: 'plain' });
    expect((await kit.openHome(base, 'T0ONE', { user: 'U0PLAINONE' })).view).not.toContain(
      'fx_settings_edit',
    );
    const forged = await kit.interact(base, { ...submission, user: { id: 'U0PLAINONE', team_id: 'T0ONE' } });
    expect(await forged.text()).toContain('errors');
    slack.addUser({ id: 'U0BOSSONE', name: 'boss', is_admin: true });
    expect((await kit.openHome(base, 'T0ONE', { user: 'U0BOSSONE' })).view).toContain('fx_settings_edit');
    const byAdmin = viewSubmissionPayload({
      callbackId: 'fx_settings_modal',
      privateMetadata: 'aliases',
      teamId: 'T0ONE',
      userId: 'U0BOSSONE',
      values: {
        fx_settings_yaml: {
          fx_settings_yaml: { type: 'plain_text_input', value: 'crew: ["1000"]\nleads: ["1000"]\n' },
        },
      },
    });
    expect(await (await kit.interact(base, byAdmin)).text()).toBe('');

    const before = { one: tenants.one.messages.length, two: tenants.two.messages.length };
    expect(await kit.fxSend(base, 'T0ONE', { text: 'crew to the crew alias', user_id: 'U0ONE' })).toBe('');
    await expect.poll(() => tenants.one.messages.length, { timeout: 10_000 }).toBe(before.one + 1);
    expect(tenants.one.messages.at(-1)?.content).toContain('to the crew alias');
    // Workspace two has no such alias: nothing is sent, and it says why.
    const responseUrl = slack.responseUrl();
    const ack = await kit.fxSend(base, 'T0TWO', {
      text: 'crew not here',
      user_id: 'U0TWO',
      response_url: responseUrl,
    });
    const told =
      ack || String((await slack.waitFor(() => slack.responsesTo(responseUrl)[0], 10_000)).body.text);
    expect(told).toContain('crew');
    expect(told).toMatch(/nothing was sent|not sent/i);
    expect(tenants.two.messages.length).toBe(before.two);

    const audit = captureIo(kit.env(path));
    expect(await runCli(['audit', '--workspace', 'T0ONE'], audit)).toBe(0);
    expect(audit.output).toContain('U0ONE  aliases');
    expect(audit.output).toContain('U0BOSSONE  aliases');
    expect(audit.output).not.toContain('U0PLAINONE');
    const auditTwo = captureIo(kit.env(path));
    expect(await runCli(['audit', '--workspace', 'T0TWO'], auditTwo)).toBe(0);
    expect(auditTwo.output).toContain('No settings were changed in Slack.');
    const exported = captureIo(kit.env(path));
    expect(await runCli(['settings', 'export', '--workspace', 'T0ONE'], exported)).toBe(0);
    expect(exported.output).toContain('crew');
    const unnamed = captureIo(kit.env(path));
    expect(await runCli(['audit'], unnamed)).toBe(2);
    expect(unnamed.output).toContain('--workspace');
  });
});
