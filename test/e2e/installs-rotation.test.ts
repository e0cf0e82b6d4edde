/**
 * Slack token rotation in install mode, across two replicas on one SQLite file: a bot token near
 * its expiry is refreshed exactly once (its refresh token can be spent once), and every request on
 * either replica is then served with the new token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { InstallKit } from './install-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'fxb-rotation-'));
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

describe('install mode: token rotation', () => {
  it('refreshes an expiring bot token once across two replicas; both then use the new token', async () => {
    const path = kit.freshFile();
    const a = await kit.start(path);
    const b = await kit.start(path);
    // Expires in an hour: inside the refresh margin from the start.
    const installed = await kit.install(a.base, { teamId: 'T0ROT', expiresIn: 3_600 });
    expect(installed.status).toBe(200);

    const before = slack.callsTo('views.publish').length;
    const event = () =>
      kit.event('T0ROT', { type: 'app_home_opened', user: 'U0USER', channel: 'D0HOME', tab: 'home' });
    const posts = Array.from({ length: 8 }, (_, i) =>
      kit.post((i % 2 === 0 ? a : b).base, event(), 'application/json'),
    );
    expect((await Promise.all(posts)).map((res) => res.status)).toEqual(Array(8).fill(200));
    await expect.poll(() => slack.callsTo('views.publish').length, { timeout: 10_000 }).toBe(before + 8);

    const refreshes = slack
      .callsTo('oauth.v2.access')
      .filter((call) => call.body.grant_type === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(slack.oauth.spentRefreshTokens).toHaveLength(1);
    const tokens = new Set(
      slack
        .callsTo('views.publish')
        .slice(before)
        .map((call) => call.headers.authorization),
    );
    expect([...tokens]).toEqual([expect.stringMatching(/^Bearer xoxe\.xoxb-/)]);
    const stored = (await b.bridge.vault.openSlack('T:T0ROT')) as {
      bot: { token: string; expiresAt: number };
    };
    expect(`Bearer ${stored.bot.token}`).toBe([...tokens][0]);
    expect(stored.bot.expiresAt).toBeGreaterThan(Date.now() / 1000 + 11 * 3600);
  });
});
