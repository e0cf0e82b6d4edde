/**
 * An answer owed is an answer given (chaos rule `ack-answered`): the bridge is killed with SIGKILL
 * after a relay's final status is on record and before its sender heard it — the receipt, the held
 * question — because Slack hangs on exactly that call. Started again on the same SQLite file, it
 * tells the sender what the killed process owed them (relay/owed.ts), once, and a receipt posted
 * that way keys the relay, so Revoke works from it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi, RESPONSE_URL } from '../../dev/fakes/slack-api.js';
import {
  blockActionPayload,
  CHANNEL_ID,
  SENDER_ID,
  sendInteraction,
  sendSlashCommand,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { buttons } from './people-requests.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const SEND = '/cgi/app/message/send';
/** How long a start may take on a shared, busy machine (tsx compiles the sources first). */
const STARTUP_MS = 30_000;

let cleanup: (() => Promise<void>) | undefined;
const children = new BridgeProcesses();
afterEach(async () => {
  await children.killAll();
  await cleanup?.();
  cleanup = undefined;
});

async function setUp() {
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top',
  });
  const slack = await FakeSlackApi.start();
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-owed-'));
  cleanup = async () => {
    await slack.stop();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const configFile = join(dir, 'fx-bridge.yml');
  writeFileSync(configFile, '');
  const dbPath = join(dir, 'data', 'fx-bridge.db');
  const port = await freePort();
  const env = bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}` });
  const baseUrl = `http://127.0.0.1:${port}`;
  return { emulator, slack, env, dbPath, baseUrl, eventsUrl: `${baseUrl}/slack/events` };
}

async function onlyRelay(dbPath: string): Promise<RelayRecord> {
  const store = openSqliteStore({ path: dbPath });
  try {
    const relays = await store.listBySender(SENDER_ID, 10);
    expect(relays).toHaveLength(1);
    return relays[0]!;
  } finally {
    await store.close();
  }
}

const has = (value: unknown, text: string) => JSON.stringify(value).includes(text);

describe('SIGKILL between a relay’s final status and telling its sender', () => {
  it('posts the receipt the killed process owed, keyed to the relay, and sends nothing again', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    const text = 'The quote is ready.';
    // Slack hangs on the receipt: Fxiaoke has accepted the message and the record says so.
    slack.holdCalls('chat.postMessage');
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl, STARTUP_MS);
    const ack = await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: `${emulator.users[0]!.openUserId} ${text}`,
      response_url: slack.responseUrl(),
    });
    expect(ack.status).toBe(200);
    await slack.waitFor(() => slack.callsTo('chat.postMessage').find((call) => has(call.body, text)), 20_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    slack.dropHeld('chat.postMessage');
    expect(slack.messages).toEqual([]);
    const killed = await onlyRelay(dbPath);
    expect(killed).toMatchObject({ status: 'sent', owed: { kind: 'send' } });
    expect(killed.slack).toBeUndefined();

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    const receipt = await slack.waitFor(
      () => slack.messages.find((message) => message.channel === CHANNEL_ID && has(message, text)),
      20_000,
    );
    expect(buttons(receipt.blocks).map((button) => [button.action_id, button.value])).toEqual([
      ['fx_revoke', killed.id],
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });

    const told = await onlyRelay(dbPath);
    expect(told.slack).toEqual({ teamId: expect.any(String), channelId: CHANNEL_ID, ts: receipt.ts });
    expect(told.owed).toBeUndefined();
    expect(told.status).toBe('sent');
    expect(emulator.requestsTo(SEND)).toHaveLength(1);
    expect(slack.messages.filter((message) => has(message, text))).toHaveLength(1);
    expect(second.output).toContain('telling a sender what a stopped process owed them');
  }, 90_000);

  it('asks the held question the killed process owed: send to the reachable, or cancel', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    slack.addUser({ id: 'U0EMAIL', name: 'Emma', email: 'TEST.USER.2@example.com' });
    slack.addUser({ id: 'U0STRANGER', name: 'carol', email: 'carol@elsewhere.example' });
    // Slack hangs on the answer by response_url: the relay is held on record, the sender not asked.
    slack.holdCalls(RESPONSE_URL);
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl, STARTUP_MS);
    const responseUrl = slack.responseUrl();
    const ack = await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: '<@U0EMAIL|emma>,<@U0STRANGER|carol> Partial news',
      response_url: responseUrl,
    });
    expect(ack.status).toBe(200);
    await slack.waitFor(
      () => slack.responsesTo(responseUrl).find((post) => has(post.body, 'Nothing has been sent yet')),
      20_000,
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    slack.dropHeld(RESPONSE_URL);
    const killed = await onlyRelay(dbPath);
    expect(killed).toMatchObject({ status: 'held', owed: { kind: 'held' } });

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    const asked = await slack.waitFor(
      () =>
        slack
          .callsTo('chat.postEphemeral')
          .find((call) => has(call.body, 'Nothing has been sent yet') && has(call.body, 'carol')),
      20_000,
    );
    expect(asked.body).toMatchObject({ channel: CHANNEL_ID, user: SENDER_ID });
    expect(buttons(asked.body.blocks).map((button) => [button.action_id, button.value])).toEqual([
      ['fx_send_reachable', killed.id],
      ['fx_cancel_held', killed.id],
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    const told = await onlyRelay(dbPath);
    expect(told.owed).toBeUndefined();
    expect(told.status).toBe('held');
    expect(emulator.requestsTo(SEND)).toHaveLength(0);
  }, 90_000);

  it('sends the restart notice the killed process owed after resuming an interrupted send', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    const text = 'Interrupted twice.';
    // The send goes out and is never answered: it really is out when the first process dies.
    emulator.addFault({ fault: { type: 'timeout' }, path: SEND, times: 1 });
    const first = children.start(['src/main.ts'], { ...env, FXIAOKE_TIMEOUT_MS: '120000' });
    await first.healthy(baseUrl, STARTUP_MS);
    const ack = await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: `${emulator.users[0]!.openUserId} ${text}`,
      response_url: slack.responseUrl(),
    });
    expect(ack.status).toBe(200);
    await slack.waitFor(() => emulator.requestsTo(SEND).length === 1, 20_000);
    first.child.kill('SIGKILL');
    await first.exited;

    // The second takes the send over (it may have been delivered) and is killed telling the sender.
    slack.holdCalls('chat.postMessage');
    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    await slack.waitFor(
      () => slack.callsTo('chat.postMessage').find((call) => has(call.body, 'fx-bridge was interrupted')),
      20_000,
    );
    second.child.kill('SIGKILL');
    await second.exited;
    slack.dropHeld('chat.postMessage');
    const killed = await onlyRelay(dbPath);
    expect(killed).toMatchObject({ status: 'unknown', owed: { kind: 'recovered' } });

    const third = children.start(['src/main.ts'], env);
    await third.healthy(baseUrl, STARTUP_MS);
    const notice = await slack.waitFor(
      () =>
        slack.messages.find((message) => has(message, `fx-bridge was interrupted during relay ${killed.id}`)),
      20_000,
    );
    expect(notice.channel).toBe(`D${SENDER_ID.slice(1)}`);
    expect(has(notice.blocks, 'May or may not have arrived')).toBe(true);
    third.child.kill('SIGTERM');
    expect(await third.exited, third.output).toEqual({ code: 0, signal: null });
    expect((await onlyRelay(dbPath)).owed).toBeUndefined();
    // Never sent again: the one call that may have arrived is all Fxiaoke got.
    expect(emulator.requestsTo(SEND)).toHaveLength(1);
  }, 120_000);

  it('tells whoever revoked what the killed process owed them, and brings the receipt up to date', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    const text = 'Take this back.';
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl, STARTUP_MS);
    await sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
      text: `${emulator.users[0]!.openUserId} ${text}`,
      response_url: slack.responseUrl(),
    });
    const receipt = await slack.waitFor(
      () => slack.messages.find((message) => message.channel === CHANNEL_ID && has(message, text)),
      20_000,
    );
    const [revoke] = buttons(receipt.blocks);
    expect(revoke?.action_id).toBe('fx_revoke');
    // Slack hangs on the receipt's update: Fxiaoke has revoked it and the record says so.
    const updates = slack.callsTo('chat.update').length;
    slack.holdCalls('chat.update');
    const ack = await sendInteraction(
      eventsUrl,
      TEST_SIGNING_SECRET,
      blockActionPayload({
        actionId: 'fx_revoke',
        value: revoke!.value,
        messageTs: receipt.ts,
        responseUrl: slack.responseUrl(),
      }),
    );
    expect(ack.status).toBe(200);
    await slack.waitFor(() => slack.callsTo('chat.update').length > updates, 20_000);
    first.child.kill('SIGKILL');
    await first.exited;
    slack.dropHeld('chat.update');
    const killed = await onlyRelay(dbPath);
    expect(killed).toMatchObject({ status: 'revoked', owed: { kind: 'revoke', to: SENDER_ID } });
    expect(buttons(slack.message(CHANNEL_ID, receipt.ts)?.blocks)).toHaveLength(1);

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    const told = await slack.waitFor(
      () => slack.messages.find((message) => has(message, `Revoked relay \`${killed.id}\``)),
      20_000,
    );
    expect(told.channel).toBe(`D${SENDER_ID.slice(1)}`);
    // The receipt no longer offers a Revoke of what is gone.
    await slack.waitFor(() => buttons(slack.message(CHANNEL_ID, receipt.ts)?.blocks).length === 0, 20_000);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    expect((await onlyRelay(dbPath)).owed).toBeUndefined();
    expect(emulator.requestsTo('/cgi/app/message/revoke')).toHaveLength(1);
  }, 120_000);
});
