/**
 * Install mode end to end: the real Bolt app over HTTP with Slack's OAuth against the fake Slack
 * (oauth.v2.access, per-token auth.test), a real SQLite file. Two workspaces and an org install,
 * forged and replayed states refused with nothing stored, each request served with its own
 * team's token, a team without an installation refused, uninstall, restart, a wrong secret key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import type { OAuthGrant } from '../../dev/fakes/slack-oauth.js';
import { messageShortcutPayload } from '../../dev/fakes/slack-requests.js';
import { runCli } from '../../src/cli/run.js';
import { NOT_CONNECTED, NOT_INSTALLED } from '../../src/slack/installs/texts.js';
import { installationsOf } from '../../src/store/index.js';
import { captureIo } from '../cli/cli-env.js';
import { makeRecord } from '../store/records.js';
import { InstallKit } from './install-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-installs-'));
let slack: FakeSlackApi;
let kit: InstallKit;

beforeAll(async () => {
  slack = await FakeSlackApi.start();
  kit = new InstallKit(slack, dir);
});
afterEach(() => kit.stopAll());
afterAll(async () => {
  await slack.stop();
  rmSync(dir, { recursive: true, force: true });
});

const start = (path: string) => kit.start(path);
const freshFile = () => kit.freshFile();
const beginInstall = (base: string) => kit.beginInstall(base);
const redirect = (base: string, query: Record<string, string>, cookie?: string) =>
  kit.redirect(base, query, cookie);
const install = (base: string, grant: OAuthGrant) => kit.install(base, grant);
const post = (base: string, body: string, type: string) => kit.post(base, body, type);
const fxSend = (base: string, teamId: string, extra?: Record<string, string>) =>
  kit.fxSend(base, teamId, extra);
const event = (teamId: string, inner: Record<string, unknown>, org?: string) => kit.event(teamId, inner, org);
const openHome = async (base: string, teamId: string, org?: string) =>
  (await kit.openHome(base, teamId, { org })).authorization;

describe('install mode (real Bolt app over HTTP, fake Slack OAuth, SQLite file)', () => {
  it('installs two workspaces and serves each with its own token; nothing is sent until Fxiaoke is connected', async () => {
    const path = freshFile();
    const { bridge, base } = await start(path);
    const begun = await beginInstall(base);
    expect(begun.location.searchParams.get('client_id')).toBe(slack.oauth.client.id);
    expect(begun.location.searchParams.get('scope')).toContain('commands');

    const one = await install(base, { teamId: 'T0ONE', teamName: 'One' });
    const two = await install(base, { teamId: 'T0TWO', teamName: 'Two' });
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.page).toContain('fx-bridge is installed in the workspace One');
    expect(slack.callsTo('oauth.v2.access')).toHaveLength(2);

    const stored = await installationsOf(bridge.store).list(undefined, 10);
    expect(stored.map((i) => i.key)).toEqual(['T:T0ONE', 'T:T0TWO']);
    const file = readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`).toString('latin1');
    expect(file).not.toContain(one.botToken);
    expect(file).not.toContain(two.botToken);

    expect(await openHome(base, 'T0ONE')).toBe(`Bearer ${one.botToken}`);
    expect(await openHome(base, 'T0TWO')).toBe(`Bearer ${two.botToken}`);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok' } });
    const sendsBefore = slack.calls.length;
    expect(await fxSend(base, 'T0ONE')).toBe(NOT_CONNECTED);
    expect(slack.calls.length).toBe(sendsBefore);
  });

  it('keys an Enterprise Grid org-wide install by the org, and serves its workspaces with the org token', async () => {
    const { bridge, base } = await start(freshFile());
    const org = await install(base, {
      enterpriseId: 'E0ORG',
      enterpriseName: 'Org',
      isEnterpriseInstall: true,
    });
    expect(org.status).toBe(200);
    expect((await installationsOf(bridge.store).list(undefined, 10)).map((i) => i.key)).toEqual(['E:E0ORG']);
    expect(await openHome(base, 'T0ANYWS', 'E0ORG')).toBe(`Bearer ${org.botToken}`);
    expect(await fxSend(base, 'T0ANYWS', { enterprise_id: 'E0ORG', is_enterprise_install: 'true' })).toBe(
      NOT_CONNECTED,
    );
    await post(base, event('T0ANYWS', { type: 'app_uninstalled' }, 'E0ORG'), 'application/json');
    await expect.poll(() => installationsOf(bridge.store).find('E:E0ORG')).toBeUndefined();
    expect(await fxSend(base, 'T0ANYWS', { enterprise_id: 'E0ORG', is_enterprise_install: 'true' })).toBe(
      NOT_INSTALLED,
    );
  });

  it('refuses a missing, forged, foreign-browser or replayed state with a 4xx page, storing nothing', async () => {
    const { bridge, base } = await start(freshFile());
    const code = () => slack.oauth.grant({ teamId: 'T0EVIL' }).code;
    const accessBefore = slack.callsTo('oauth.v2.access').length;

    const missing = await redirect(base, { code: code() });
    expect(missing.status).toBe(400);
    expect(missing.page).toContain('no state');

    const { state, cookie } = await beginInstall(base);
    const [body] = state.split('.');
    const forged = `${body}.${randomBytes(32).toString('base64url')}`;
    const forgedAnswer = await redirect(
      base,
      { code: code(), state: forged },
      `slack-app-oauth-state=${forged}`,
    );
    expect(forgedAnswer.status).toBe(400);
    expect(forgedAnswer.page).toContain('not made by this fx-bridge');

    const otherBrowser = await redirect(base, { code: code(), state });
    expect(otherBrowser.status).toBe(400);
    expect(otherBrowser.page).toContain('not started in this browser');
    expect(slack.callsTo('oauth.v2.access').length).toBe(accessBefore);

    const first = await redirect(base, { code: slack.oauth.grant({ teamId: 'T0OK' }).code, state }, cookie);
    expect(first.status).toBe(200);
    const replayed = await redirect(base, { code: code(), state }, cookie);
    expect(replayed.status).toBe(400);
    expect(replayed.page).toContain('already been used');

    expect((await installationsOf(bridge.store).list(undefined, 10)).map((i) => i.key)).toEqual(['T:T0OK']);
    expect(slack.callsTo('oauth.v2.access').length).toBe(accessBefore + 1);
  });

  it('serves a Slack Connect event with the installing team’s token (authorizations), not the sender’s team', async () => {
    const { base } = await start(freshFile());
    const one = await install(base, { teamId: 'T0ONE' });
    const before = slack.callsTo('views.publish').length;
    const shared = JSON.parse(
      event('T0EXTERNAL', { type: 'app_home_opened', user: 'U0EXT', channel: 'D0HOME', tab: 'home' }),
    );
    shared.authorizations = [
      { enterprise_id: null, team_id: 'T0ONE', user_id: 'U0BOT', is_bot: true, is_enterprise_install: false },
    ];
    expect((await post(base, JSON.stringify(shared), 'application/json')).status).toBe(200);
    await expect.poll(() => slack.callsTo('views.publish').length).toBe(before + 1);
    expect(slack.callsTo('views.publish')[before]?.headers.authorization).toBe(`Bearer ${one.botToken}`);
  });

  it('refuses a request from a team without an installation with a clear answer', async () => {
    const { base } = await start(freshFile());
    await install(base, { teamId: 'T0ONE' });
    expect(await fxSend(base, 'T0NOBODY')).toBe(NOT_INSTALLED);
    // A shortcut has no answer in its ack: the refusal goes to its response_url.
    const responseUrl = slack.responseUrl();
    const shortcut = messageShortcutPayload({
      callbackId: 'fx_send_message',
      teamId: 'T0NOBODY',
      message: { ts: '1700000000.000100', text: 'hello', user: 'U0SOMEONE' },
      responseUrl,
    });
    expect((await kit.interact(base, shortcut)).status).toBe(200);
    const told = await slack.waitFor(
      () => slack.responses.find((each) => responseUrl.endsWith(each.path)),
      10_000,
    );
    expect(told.body).toMatchObject({ response_type: 'ephemeral', text: NOT_INSTALLED });
  });

  it('deletes a workspace’s tokens on app_uninstalled and tokens_revoked; its relays stay; installs survive a restart', async () => {
    const path = freshFile();
    const first = await start(path);
    await install(first.base, { teamId: 'T0ONE' });
    await install(first.base, { teamId: 'T0TWO' });
    await install(first.base, { teamId: 'T0THREE' });
    const relay = makeRecord({ slack: { teamId: 'T0ONE', channelId: 'C0TEST', ts: '1.000001' } });
    await first.bridge.store.create(relay);

    await post(first.base, event('T0ONE', { type: 'app_uninstalled' }), 'application/json');
    await expect.poll(() => installationsOf(first.bridge.store).find('T:T0ONE')).toBeUndefined();
    await post(
      first.base,
      event('T0THREE', { type: 'tokens_revoked', tokens: { bot: ['U0BOT'] } }),
      'application/json',
    );
    await expect.poll(() => installationsOf(first.bridge.store).find('T:T0THREE')).toBeUndefined();
    expect(await first.bridge.store.findById(relay.id)).toStrictEqual(relay);
    expect(await fxSend(first.base, 'T0ONE')).toBe(NOT_INSTALLED);
    await first.bridge.stop();

    const second = await start(path);
    expect(await fxSend(second.base, 'T0TWO')).toBe(NOT_CONNECTED);
    expect(await fxSend(second.base, 'T0ONE')).toBe(NOT_INSTALLED);
    expect(await second.bridge.store.findById(relay.id)).toStrictEqual(relay);
  });

  it('refuses to start with a secret key that does not open the stored installations (exit 78, naming the variable)', async () => {
    const path = freshFile();
    const { bridge, base } = await start(path);
    await install(base, { teamId: 'T0ONE' });
    await bridge.stop();
    const io = captureIo(kit.env(path, randomBytes(32).toString('hex')));
    expect(await runCli(['start'], io)).toBe(78);
    expect(io.output).toContain('FX_BRIDGE_SECRET_KEY does not open 1 of the 1 stored installations');
    expect(io.output).toContain('FX_BRIDGE_OLD_SECRET_KEY');
    expect(io.output).not.toContain(kit.key);
  });
});
