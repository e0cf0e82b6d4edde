/**
 * The bridge as a real child process: SIGTERM during a fan-out finishes it and exits 0; SIGKILL
 * during a fan-out is recovered at the next start (unknown/partial, never pending) and the sender
 * is told in a direct message. The emulator and the fake Slack API run in this test process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  blockActionPayload,
  SENDER_ID,
  sendInteraction,
  sendSlashCommand,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { APP_SECRET, Harness, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { type BridgeProcess, BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const SEND = '/cgi/app/message/send';

let emulator: FxiaokeEmulator | undefined;
let slack: FakeSlackApi | undefined;
let dir: string | undefined;
const children = new BridgeProcesses();

afterEach(async () => {
  await children.killAll();
  await slack?.stop();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  slack = undefined;
  emulator = undefined;
  dir = undefined;
});

/** Emulator with 1,200 employees and a slow send endpoint, fake Slack, and the child's environment. */
async function setUp() {
  const users = generateUsers(1200);
  emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    // A tenant whose service-account sends return a top-level id, so relays can be revoked.
    messageIdLocation: 'top',
    users,
  });
  emulator.addFault({ fault: { type: 'latency', ms: 200 }, path: SEND, times: Number.POSITIVE_INFINITY });
  slack = await FakeSlackApi.start();
  dir = mkdtempSync(join(tmpdir(), 'fx-bridge-process-'));
  const configFile = join(dir, 'fx-bridge.yml');
  writeFileSync(configFile, `aliases:\n  all: [${users.map((user) => user.openUserId).join(', ')}]\n`);
  const dbPath = join(dir, 'data', 'fx-bridge.db');
  const port = await freePort();
  const env = bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}` });
  const baseUrl = `http://127.0.0.1:${port}`;
  return { emulator, slack, env, dbPath, baseUrl, eventsUrl: `${baseUrl}/slack/events` };
}

function start(args: string[], env: Record<string, string>): BridgeProcess {
  return children.start(args, env);
}

async function readStore(dbPath: string): Promise<{ relays: RelayRecord[]; unfinished: RelayRecord[] }> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return {
      relays: await store.listBySender(SENDER_ID, 10),
      unfinished: await store.listByStatus(['pending', 'revoking'], 10),
    };
  } finally {
    await store.close();
  }
}

describe('the bridge process', () => {
  it('finishes a fan-out under way on SIGTERM, exits 0 and leaves nothing pending', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    const bridge = start(['src/main.ts'], env);
    await bridge.healthy(baseUrl);

    const command = await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: 'all please stop gently',
      response_url: slack.responseUrl(),
    });
    expect(command.status).toBe(200);
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= 1);

    // While the first of three batches is under way: one relay in flight, one command acked.
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^fxbridge_queue_depth 1$/m);
    expect(metrics).toMatch(/^fxbridge_slack_ack_seconds_count\{type="slash_command"\} 1$/m);

    bridge.child.kill('SIGTERM');
    expect(await bridge.exited, bridge.output).toEqual({ code: 0, signal: null });
    expect(emulator.messages).toHaveLength(3);
    expect(bridge.output).toContain('waiting for relays under way');
    expect(bridge.output).toContain('fx-bridge stopped');

    const { relays, unfinished } = await readStore(dbPath);
    expect(unfinished).toEqual([]);
    expect(relays).toHaveLength(1);
    expect(relays[0]?.status).toBe('sent');
    expect(relays[0]?.batches.map((batch) => batch.status)).toEqual(['sent', 'sent', 'sent']);
    expect(relays[0]?.batches.map((batch) => batch.messageId)).toEqual(
      emulator.messages.map((message) => message.messageId),
    );
  });

  it('recovers a fan-out killed with SIGKILL at the next start and tells the sender', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    const first = start(['src/main.ts'], env);
    await first.healthy(baseUrl);
    await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: 'all this one gets cut short',
      response_url: slack.responseUrl(),
    });
    // The second batch is on its way: the first is recorded as sent and its receipt is posted.
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= 2);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const receipt = slack.messages[0];
    expect(receipt?.channel).toBe('C0TEST');

    const second = start(['src/cli.ts', 'start'], env);
    await second.healthy(baseUrl);
    const dm = await slack.waitFor(() =>
      slack.callsTo('chat.postMessage').find((call) => call.body.channel === SENDER_ID),
    );
    const relayId = /relay (rl_\w+)/.exec(String(dm.body.text))?.[1];
    expect(relayId, String(dm.body.text)).toBeDefined();
    const blocks = JSON.stringify(dm.body.blocks);
    const firstTrace = (emulator.requestsTo(SEND)[0]!.response as { traceId: string }).traceId;
    expect(blocks).toContain(`relay \`${relayId}\``);
    // Batch 2 was dispatched when the process died: never sent again. Batch 3 never was: the
    // second process sent it, once.
    expect(blocks).toContain('*Reached Fxiaoke:* 2 batches (700 recipients) #1, #3');
    expect(blocks).toContain(firstTrace);
    expect(blocks).toContain('*May or may not have arrived:* 1 batch (500 recipients) #2');
    expect(emulator.requestsTo(SEND)).toHaveLength(3);
    expect(blocks).toContain('"action_id":"fx_revoke"');
    expect(blocks).toContain(`"value":"${relayId}"`);
    // The public receipt is brought up to date as well.
    const update = await slack.waitFor(() =>
      slack.callsTo('chat.update').find((call) => call.body.ts === receipt?.ts),
    );
    expect(JSON.stringify(update.body.blocks)).toContain('Partly sent: 2 of 3 batches reached Fxiaoke');

    // The Revoke button in the direct message works like the receipt's.
    const dmMessage = slack.messages.find((message) => message.channel === `D${SENDER_ID.slice(1)}`);
    const responseUrl = slack.responseUrl();
    await sendInteraction(
      eventsUrl,
      TEST_SIGNING_SECRET,
      blockActionPayload({
        actionId: 'fx_revoke',
        value: relayId,
        channelId: dmMessage!.channel,
        messageTs: dmMessage!.ts,
        responseUrl,
      }),
    );
    await slack.waitFor(() => slack.responsesTo(responseUrl).length > 0);
    expect(emulator.messages[0]?.revoked).toBe(true);

    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    const { relays, unfinished } = await readStore(dbPath);
    expect(unfinished).toEqual([]);
    expect(relays[0]?.id).toBe(relayId);
    expect(['unknown', 'partial']).toContain(relays[0]?.status);
    expect(relays[0]?.batches.map((batch) => batch.status)).toEqual(['revoked', 'unknown', 'revoked']);
    expect(second.output).toContain('told the sender about a recovered relay');
  });
});

describe('acked means kept (child processes)', () => {
  it('delivers every acked command exactly once after a SIGKILL while the address book was still loading', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    // Just after a start the address book is not cached yet, and this one answers slowly.
    emulator.addFault({ fault: { type: 'latency', ms: 3_000 }, path: '/cgi/user/list', times: 1 });
    const first = start(['src/main.ts'], env);
    await first.healthy(baseUrl);
    const [alice] = emulator.options.users;
    const texts = Array.from({ length: 10 }, (_, n) => `kept through a crash ${n}`);
    const responseUrls = texts.map(() => slack.responseUrl());
    const acks = await Promise.all(
      texts.map((text, n) =>
        sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
          text: `${alice!.openUserId} ${text}`,
          response_url: responseUrls[n]!,
        }),
      ),
    );
    expect(acks.map((ack) => ack.status)).toEqual(texts.map(() => 200));
    // The relays are reading the address book (slowly); nothing has gone out yet.
    await slack.waitFor(() => emulator.requestsTo('/cgi/user/list').length > 0);
    expect(emulator.requestsTo('/cgi/user/list').every((request) => request.status === undefined)).toBe(true);
    expect(emulator.messages).toHaveLength(0);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = start(['src/main.ts'], env);
    await second.healthy(baseUrl);
    await slack.waitFor(() => emulator.messages.length >= texts.length, 20_000);
    // Each acked command reached Fxiaoke exactly once, and its sender got the normal receipt.
    for (const text of texts) {
      expect(
        emulator.messages.filter((message) => message.content.endsWith(text)),
        text,
      ).toHaveLength(1);
    }
    await slack.waitFor(
      () => texts.every((text) => slack.messages.some((message) => JSON.stringify(message).includes(text))),
      10_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    expect(emulator.messages).toHaveLength(texts.length);
    const { unfinished } = await readStore(dbPath);
    expect(unfinished).toEqual([]);
    expect(second.output).toContain('took over a relay nobody was working on');
  }, 60_000);
});

describe('telling senders after a crash (in-process)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('finishes a revoke a crash interrupted, and tells who asked for it', async () => {
    harness = await Harness.start();
    const now = Date.now();
    const revoking = makeRecord({
      id: 'rl_REVOKING',
      senderId: SENDER_ID,
      slack: undefined,
      serviceId: SERVICE_ID,
      status: 'revoking',
      createdAt: now,
      updatedAt: now,
      batches: [
        makeBatch(0, { recipients: ['FSUID_A'], status: 'revoked', messageId: 'm0' }),
        makeBatch(1, { recipients: ['FSUID_B'], status: 'sent', messageId: 'm1', traceId: 'E-O.t1' }),
      ],
    });
    await harness.bridge.store.create(revoking);
    await harness.restart();
    const h = harness;
    const dm = await h.slack.waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((call) => call.body.channel === SENDER_ID),
    );
    // The batch still in Fxiaoke is revoked now, once; the one revoked before is left alone.
    expect(String(dm.body.text)).toContain('rl_REVOKING');
    expect(
      h.emulator
        .requestsTo('/cgi/app/message/revoke')
        .map((call) => (call.body as { messageId?: string }).messageId),
    ).toEqual(['m1']);
    expect((await h.bridge.store.findById('rl_REVOKING'))?.status).not.toBe('revoking');
  });

  it('starts even when Slack will not take the message, and says so in the log', async () => {
    harness = await Harness.start();
    const now = Date.now();
    await harness.bridge.store.create(
      makeRecord({
        id: 'rl_NODM',
        senderId: SENDER_ID,
        slack: undefined,
        status: 'pending',
        createdAt: now,
        updatedAt: now,
        batches: [makeBatch(0, { status: 'pending' })],
      }),
    );
    harness.slack.failNext('chat.postMessage', 'user_not_found', 3);
    await harness.restart();
    const h = harness;
    await h.slack.waitFor(() =>
      h.logLines.some((line) => line.includes('could not tell the sender about a recovered relay')),
    );
    expect((await h.bridge.store.findById('rl_NODM'))?.status).toBe('unknown');
    const health = await fetch(`${h.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
