/**
 * Socket Mode end to end, offline: the real bridge (Bolt SocketModeReceiver) asks the fake Web API
 * for a socket URL with its xapp- token, connects to a real WebSocket server, and handles slash
 * command and shortcut envelopes pushed over it; health routes stay on PORT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  BOT_ID,
  BOT_USER_ID,
  CHANNEL_ID,
  messageShortcutPayload,
  SENDER_ID,
  slashCommandBody,
} from '../../dev/fakes/slack-requests.js';
import { FakeSocketModeServer } from '../../dev/fakes/slack-socket.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { type Config, loadConfig } from '../../src/config.js';
import { APP_SECRET, BOT_TOKEN, emulatorEnv, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { freePort } from './process-helpers.js';

const APP_TOKEN = 'xapp-1-A0TEST-123-abcdef';

interface Fakes {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  socket: FakeSocketModeServer;
  dir: string;
  logLines: string[];
}

interface World extends Fakes {
  config: Config;
  bridge: Bridge;
}

let fakes: Fakes | undefined;
let bridge: Bridge | undefined;
let extraServers: Array<{ close(callback: () => void): void }> = [];

/** Emulator, fake Web API and fake socket endpoint, then the real bridge in Socket Mode. */
async function start(env: Record<string, string | undefined> = {}): Promise<World> {
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    // A tenant whose service-account sends return a top-level id, so relays can be revoked.
    messageIdLocation: 'top',
  });
  const slack = await FakeSlackApi.start();
  const socket = await FakeSocketModeServer.start();
  slack.setSocketModeUrl(socket.url);
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-socket-'));
  const logLines: string[] = [];
  // Kept before the bridge starts, so a failed start is still cleaned up.
  fakes = { emulator, slack, socket, dir, logLines };
  const config = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.url,
    PORT: String(await freePort()),
    ...emulatorEnv(emulator),
    STORE_URL: `sqlite:${join(dir, 'data', 'fx-bridge.db')}`,
    LOG_LEVEL: 'debug',
    ...env,
  });
  bridge = await startBridge(config, {
    logDestination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        callback();
      },
    }),
    botId: BOT_ID,
    botUserId: BOT_USER_ID,
    sleep: () => Promise.resolve(),
  });
  return { ...fakes, config, bridge };
}

afterEach(async () => {
  for (const server of extraServers) await new Promise<void>((resolve) => server.close(() => resolve()));
  extraServers = [];
  await bridge?.stop();
  bridge = undefined;
  if (fakes === undefined) return;
  const { socket, slack, emulator, dir } = fakes;
  fakes = undefined;
  await socket.stop();
  await slack.stop();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `/fx-send <text>` as a Socket Mode envelope: the slash command's form fields as a JSON object. */
async function sendCommand(w: World, text: string) {
  const responseUrl = w.slack.responseUrl();
  const payload = Object.fromEntries(
    new URLSearchParams(slashCommandBody({ text, response_url: responseUrl })),
  );
  const ack = await w.socket.sendEnvelope('slash_commands', payload);
  return { ack, responseUrl };
}

async function sendAndReceipt(w: World, text: string) {
  const before = w.slack.messages.length;
  const { ack } = await sendCommand(w, text);
  const receipt = await w.slack.waitFor(() => w.slack.messages.slice(before).find((m) => m.text), 2000);
  return { ack, receipt };
}

describe('Socket Mode', () => {
  it('picks Socket Mode for an app token and connects with it as the Bearer token', async () => {
    const w = await start();
    expect(w.config.slack.mode).toBe('socket');
    expect(w.config.slack.signingSecret).toBeUndefined();
    expect(w.bridge.port).toBe(w.config.port);

    const opens = w.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(w.socket.connections()).toBe(1);
    await w.socket.waitForConnection(100);
    expect(
      w.logLines.some((line) => line.includes('"mode":"socket"') && line.includes('fx-bridge started')),
    ).toBe(true);
    // The bot token is for the Web API only; nothing else was called yet.
    expect(w.slack.calls.map((call) => call.method)).toEqual(['apps.connections.open']);
  });

  it('acks a /fx-send envelope over the socket, relays it and posts a receipt with the traceId', async () => {
    const w = await start();
    const [alice, bob] = w.emulator.options.users;
    const { ack, receipt } = await sendAndReceipt(
      w,
      `${alice!.openUserId},${bob!.openUserId} Quote is ready`,
    );

    expect(ack.ackedInMs).toBeLessThan(3000);
    expect(ack.payload).toEqual({});
    const sent = w.emulator.messages;
    expect(sent).toHaveLength(1);
    expect(sent[0]!.toUser).toEqual([alice!.openUserId, bob!.openUserId]);
    expect(sent[0]!.serviceId).toBe(SERVICE_ID);
    expect(sent[0]!.content).toContain('Quote is ready');
    expect(receipt.channel).toBe(CHANNEL_ID);
    expect(receipt.text).toContain(sent[0]!.traceId);
    const post = w.slack.callsTo('chat.postMessage')[0]!;
    expect(post.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);

    // An ack with a body travels back in the ack's payload (what Slack shows the user).
    const help = await sendCommand(w, 'help');
    expect(JSON.stringify(help.ack.payload)).toContain('Usage');
    expect(w.socket.connectionsAccepted()).toBe(1);
  });

  it('times each ack over the socket in fxbridge_slack_ack_seconds, as in HTTP mode', async () => {
    const w = await start();
    const count = async () => {
      const text = await w.bridge.metrics.registry.getSingleMetricAsString('fxbridge_slack_ack_seconds');
      const line = text
        .split('\n')
        .find((l) => l.startsWith('fxbridge_slack_ack_seconds_count{type="slash_command"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    expect(await count()).toBe(0);
    await sendCommand(w, 'help');
    // The histogram is written right after the ack resolves; wait for it rather than for a time.
    await expect.poll(count, { timeout: 10_000, interval: 20 }).toBe(1);
  });

  it('revokes through an interactive envelope carrying the fx_revoke_message shortcut', async () => {
    const w = await start();
    const user = w.emulator.options.users[0]!;
    const { receipt } = await sendAndReceipt(w, `${user.openUserId} hello`);

    const responseUrl = w.slack.responseUrl();
    const ack = await w.socket.sendEnvelope(
      'interactive',
      messageShortcutPayload({
        callbackId: 'fx_revoke_message',
        userId: SENDER_ID,
        channelId: receipt.channel,
        message: { ts: receipt.ts, text: 'receipt', bot_id: BOT_ID },
        responseUrl,
      }),
    );
    expect(ack.ackedInMs).toBeLessThan(3000);

    await w.slack.waitFor(() => w.slack.responsesTo(responseUrl).length >= 1, 2000);
    expect(String(w.slack.responsesTo(responseUrl)[0]!.body.text)).toContain('Revoked relay');
    expect(w.emulator.messages[0]!.revoked).toBe(true);
  });

  it('serves /healthz and /readyz on PORT, and stop() closes both the socket and that port', async () => {
    const w = await start();
    const base = `http://127.0.0.1:${w.config.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);

    await w.bridge.stop();
    await expect.poll(() => w.socket.connections(), { timeout: 10_000 }).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('reports the port PORT=0 bound, and a port in use fails the start before the socket connects', async () => {
    const w = await start({ PORT: '0' });
    expect(w.bridge.port).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${w.bridge.port}/healthz`)).status).toBe(200);

    const taken = createServer();
    extraServers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, () => resolve()));
    const { port } = taken.address() as AddressInfo;
    const opensBefore = w.slack.callsTo('apps.connections.open').length;
    const config = { ...w.config, port, storeUrl: `sqlite:${join(w.dir, 'data', 'second.db')}` };
    const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    await expect(
      startBridge(config, { botId: BOT_ID, botUserId: BOT_USER_ID, logDestination: quiet }),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(w.slack.callsTo('apps.connections.open')).toHaveLength(opensBefore);
    expect(w.socket.connectionsAccepted()).toBe(1);
  });
});
