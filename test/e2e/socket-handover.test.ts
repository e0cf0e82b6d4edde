/**
 * Socket Mode's hard cases, offline against the fake socket endpoint: Slack's `disconnect` message
 * (a second connection is open before the first closes, so an envelope sent right then is handled),
 * /readyz while no socket is up, a refused app token named, and SIGTERM before Slack's hello.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import { BOT_ID, BOT_USER_ID, slashCommandBody } from '../../dev/fakes/slack-requests.js';
import { FakeSocketModeServer } from '../../dev/fakes/slack-socket.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/index.js';
import { APP_SECRET, BOT_TOKEN, emulatorEnv, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcess, bridgeEnv, freePort } from './process-helpers.js';

const APP_TOKEN = 'xapp-1-A0TEST-456-handover';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakes() {
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
  });
  cleanups.push(() => emulator.stop());
  const slack = await FakeSlackApi.start();
  cleanups.push(() => slack.stop());
  const socket = await FakeSocketModeServer.start();
  cleanups.push(() => socket.stop());
  slack.setSocketModeUrl(socket.url);
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-handover-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { emulator, slack, socket, dir };
}

async function socketBridge(world: Awaited<ReturnType<typeof fakes>>, port: number) {
  const logLines: string[] = [];
  const bridge: Bridge = await startBridge(
    loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: world.slack.url,
      PORT: String(port),
      ...emulatorEnv(world.emulator),
      STORE_URL: `sqlite:${join(world.dir, 'data', 'fx-bridge.db')}`,
      LOG_LEVEL: 'debug',
    }),
    {
      logDestination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          callback();
        },
      }),
      botId: BOT_ID,
      botUserId: BOT_USER_ID,
      sleep: () => Promise.resolve(),
    },
  );
  cleanups.push(() => bridge.stop());
  return { bridge, logLines };
}

function helpEnvelope(world: Awaited<ReturnType<typeof fakes>>) {
  return Object.fromEntries(
    new URLSearchParams(slashCommandBody({ text: 'help', response_url: world.slack.responseUrl() })),
  );
}

describe('Socket Mode reconnects', () => {
  it('opens a second connection before closing the first, so an envelope sent meanwhile is acked', async () => {
    const world = await fakes();
    const { logLines } = await socketBridge(world, await freePort());
    expect(world.socket.connectionsAccepted()).toBe(1);

    // Resolves once the bridge closed the first socket: by then the second must already be up.
    await world.socket.disconnectNewest();
    expect(world.socket.connectionsAccepted()).toBe(2);
    expect(world.socket.connections()).toBeGreaterThanOrEqual(1);
    const ack = await world.socket.sendEnvelope('slash_commands', helpEnvelope(world));
    expect(JSON.stringify(ack.payload)).toContain('Usage');
    expect(logLines.some((line) => line.includes('a second Socket Mode connection is up'))).toBe(true);
  });

  it('reports not ready while no socket is up, and ready again once one is', async () => {
    const world = await fakes();
    const port = await freePort();
    const { bridge } = await socketBridge(world, port);
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: response.status, body: (await response.json()) as { checks: { slack?: string } } };
    };
    expect(await readyz()).toMatchObject({ status: 200, body: { checks: { slack: 'ok' } } });
    // Slack gone: the bridge keeps trying to reconnect, and must not look ready meanwhile.
    world.slack.failNext('apps.connections.open', 'internal_error', 1000);
    await world.socket.stop();
    expect(await readyz()).toMatchObject({ status: 503, body: { checks: { slack: 'not connected' } } });
    expect(bridge.slack.isConnected()).toBe(false);
  });
});

describe('Socket Mode start', () => {
  it('names SLACK_APP_TOKEN when Slack refuses it', async () => {
    const world = await fakes();
    world.slack.failNext('apps.connections.open', 'invalid_auth');
    await expect(socketBridge(world, await freePort())).rejects.toThrow(
      /Slack did not accept SLACK_APP_TOKEN \(apps\.connections\.open: invalid_auth\)/,
    );
  });

  it('stops on SIGTERM before Slack’s hello, and the store opens again afterwards', async () => {
    const world = await fakes();
    // Slack keeps failing apps.connections.open: the socket never gets to its hello.
    world.slack.failNext('apps.connections.open', 'internal_error', 1000);
    const port = await freePort();
    const storeUrl = `sqlite:${join(world.dir, 'data', 'fx-bridge.db')}`;
    const env = bridgeEnv({
      emulator: world.emulator,
      slack: world.slack,
      port,
      storeUrl,
      extra: { SLACK_MODE: 'socket', SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' },
    });
    const child = BridgeProcess.spawn(['src/main.ts'], env);
    cleanups.push(() => child.kill('SIGKILL'));
    await world.slack.waitFor(() => world.slack.callsTo('apps.connections.open').length > 0, 20_000);
    const exit = await child.kill('SIGTERM');
    expect(exit, child.output).toEqual({ code: 0, signal: null });
    expect(child.output).toContain('stopped before the start finished');
    // Nothing left locked or half-written: a new bridge opens the same store.
    const store = await openStore(storeUrl);
    await store.close();
  });
});
