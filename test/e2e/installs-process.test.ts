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
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { waitFor } from '../poll.js';
import { installAndConnect, installModeEnv } from './install-setup.js';
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

/** Installs a workspace and connects its tenant in the file, as OAuth and App Home would have. */
async function installInFile(path: string, teamId: string, emulator: FxiaokeEmulator): Promise<void> {
  const store = openSqliteStore({ path });
  try {
    await installAndConnect(store, { teamId, secretKey: SECRET_KEY, emulator });
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
    await installInFile(w.dbPath, 'T0ONE', w.emulator);
    await installInFile(w.dbPath, 'T0TWO', second);
    const env = installModeEnv(w.env, SECRET_KEY, [w.emulator.url, second.url]);

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
