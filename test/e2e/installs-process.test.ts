/**
 * Install mode with real processes: two workspaces, each connected to its own Fxiaoke tenant,
 * send a burst each; the bridge is killed with SIGKILL half way and started again on the same
 * SQLite file. Every acked command reaches its own workspace's tenant once (a call that may have
 * left at the kill is never sent again and its relay says so), nothing reaches the other tenant,
 * and nothing stays in work.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { sendSlashCommand, TEST_SIGNING_SECRET } from '../../dev/fakes/slack-requests.js';
import { InstallationVault } from '../../src/installs/vault.js';
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { secretBoxOf } from '../../src/secrets/secret-box.js';
import { installationsOf } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { waitFor } from '../poll.js';
import { expectSentOnce, ProcessWorld, SEND } from './process-world.js';

const BURST = 20;
const SECRET_KEY = randomBytes(32).toString('base64');

let world: ProcessWorld | undefined;
let second: FxiaokeEmulator | undefined;
afterEach(async () => {
  await world?.close();
  await second?.stop();
  world = undefined;
  second = undefined;
});

/** The children's environment in install mode: OAuth settings, no bot token, no Fxiaoke tenant. */
function installEnv(env: Record<string, string>, allowed: string[]): Record<string, string> {
  const {
    SLACK_BOT_TOKEN: _token,
    FXIAOKE_APP_ID: _app,
    FXIAOKE_APP_SECRET: _secret,
    FXIAOKE_PERMANENT_CODE: _code,
    ...rest
  } = env;
  return {
    ...rest,
    SLACK_CLIENT_ID: '1234567890.1234567890',
    SLACK_CLIENT_SECRET: 'client-secret-installs-process',
    SLACK_STATE_SECRET: 'state-secret-for-the-install-process-test-0123',
    FX_BRIDGE_SECRET_KEY: SECRET_KEY,
    FXIAOKE_ALLOWED_BASE_URLS: allowed.join(','),
  };
}

/** Installs a workspace and connects its tenant, as OAuth and App Home would have, in the file. */
async function installAndConnect(path: string, teamId: string, emulator: FxiaokeEmulator): Promise<void> {
  const store = openSqliteStore({ path });
  try {
    const vault = new InstallationVault(
      installationsOf(store),
      secretBoxOf({ secretKey: SECRET_KEY, oldSecretKey: undefined }),
    );
    await vault.saveSlack({
      team: { id: teamId, name: teamId },
      isEnterpriseInstall: false,
      bot: { userId: 'U0BOT', id: 'B0BOT', token: `xoxb-${teamId}-process` },
      user: { id: 'U0ADMIN' },
    });
    const connected = await vault.connectFxiaoke(`T:${teamId}`, {
      baseUrl: emulator.url,
      appId: emulator.options.appId,
      appSecret: emulator.options.appSecret,
      permanentCode: emulator.options.permanentCode,
      userId: '1000',
      serviceId: emulator.options.serviceIds[0],
    });
    expect(connected).toBe(true);
  } finally {
    await store.close();
  }
}

async function relaysOf(path: string, teamId: string): Promise<RelayRecord[]> {
  const store = openSqliteStore({ path });
  try {
    return (await store.listRecent(1_000)).filter((record) => record.installation === `T:${teamId}`);
  } finally {
    await store.close();
  }
}

describe('install mode, child processes', () => {
  it('sends every acked command of two workspaces once, each with its own tenant, across a SIGKILL', async () => {
    world = await ProcessWorld.open({ name: 'installs', users: 5, sendLatencyMs: 150 });
    const w = world;
    const users = generateUsers(5);
    second = await FxiaokeEmulator.start({
      appId: 'FSAID_second',
      appSecret: 'second-tenant-secret-9999',
      permanentCode: 'second-tenant-code-9999',
      serviceIds: ['FSAID_svcsecond'],
      messageIdLocation: 'top',
      users,
    });
    second.addFault({ fault: { type: 'latency', ms: 150 }, path: SEND, times: Number.POSITIVE_INFINITY });
    await installAndConnect(w.dbPath, 'T0ONE', w.emulator);
    await installAndConnect(w.dbPath, 'T0TWO', second);
    const env = installEnv(w.env, [w.emulator.url, second.url]);

    const first = w.children.start(['src/main.ts'], env);
    await first.healthy(w.baseUrl);
    const texts = {
      T0ONE: Array.from({ length: BURST }, (_, n) => `one burst ${n}`),
      T0TWO: Array.from({ length: BURST }, (_, n) => `two burst ${n}`),
    };
    const to = { T0ONE: w.users[0]?.openUserId, T0TWO: users[0]?.openUserId };
    const acks = await Promise.all(
      (['T0ONE', 'T0TWO'] as const).flatMap((teamId) =>
        texts[teamId].map((text) =>
          sendSlashCommand(w.eventsUrl, TEST_SIGNING_SECRET, {
            text: `${to[teamId]} ${text}`,
            team_id: teamId,
            response_url: w.slack.responseUrl(),
          }),
        ),
      ),
    );
    expect(acks.map((ack) => ack.status)).toEqual(acks.map(() => 200));
    await w.slack.waitFor(
      () => w.emulator.requestsTo(SEND).length + (second?.requestsTo(SEND).length ?? 0) >= BURST / 2,
      20_000,
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const again = w.children.start(['src/main.ts'], env);
    await again.healthy(w.baseUrl);
    for (const teamId of ['T0ONE', 'T0TWO'] as const) {
      await waitFor(
        async () => {
          const all = await relaysOf(w.dbPath, teamId);
          const left = all.filter((record) => IN_WORK.includes(record.status)).length;
          if (all.length !== BURST || left > 0)
            throw new Error(`${all.length} relays, ${left} still in work`);
        },
        { timeout: 60_000, interval: 100 },
      );
    }
    expectSentOnce(w.emulator, await relaysOf(w.dbPath, 'T0ONE'), texts.T0ONE);
    expectSentOnce(second, await relaysOf(w.dbPath, 'T0TWO'), texts.T0TWO);
    // Nothing of one workspace reached the other's tenant.
    expect(w.emulator.messages.filter((message) => message.content.includes('two burst'))).toHaveLength(0);
    expect(second.messages.filter((message) => message.content.includes('one burst'))).toHaveLength(0);
    again.child.kill('SIGTERM');
    expect(await again.exited, again.output).toEqual({ code: 0, signal: null });
  }, 120_000);
});
