/**
 * Queued is not dispatched (issue 17): a relay waiting for the Fxiaoke rate budget has sent
 * nothing, so a SIGKILL during that wait must not turn it into "may have been delivered". The
 * bridge runs as a real child process against the emulator with a tight budget; it is killed while
 * calls queue, started again, and the emulator's records show what really went out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FxiaokeEmulator, type RecordedRequest } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  CHANNEL_ID,
  messageShortcutPayload,
  postSigned,
  SENDER_ID,
  sendInteraction,
  sendSlashCommand,
  TEAM_ID,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';
import { eventCallback, messageChanged, ORIGINAL_TS } from './sync-requests.js';

const SEND = '/cgi/app/message/send';
const REVOKE = '/cgi/app/message/revoke';
/** One call per endpoint per ten minutes: every call beyond the first few waits for the budget. */
const tightBudget = (calls: number) => ({
  FXIAOKE_RATE_LIMIT_CALLS: String(calls),
  FXIAOKE_RATE_LIMIT_WINDOW_MS: '600000',
  // A call that went out and hangs must still be out when the process is killed.
  FXIAOKE_TIMEOUT_MS: '120000',
});

/** How long a start may take on a shared, busy machine (tsx compiles the sources first). */
const STARTUP_MS = 30_000;

let cleanup: (() => Promise<void>) | undefined;
const children = new BridgeProcesses();
afterEach(async () => {
  await children.killAll();
  await cleanup?.();
  cleanup = undefined;
});

async function setUp(configYaml = '') {
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top',
  });
  const slack = await FakeSlackApi.start();
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-dispatch-'));
  cleanup = async () => {
    await slack.stop();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const configFile = join(dir, 'fx-bridge.yml');
  writeFileSync(configFile, configYaml);
  const dbPath = join(dir, 'data', 'fx-bridge.db');
  const port = await freePort();
  const env = (extra: Record<string, string> = {}) =>
    bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}`, extra });
  const baseUrl = `http://127.0.0.1:${port}`;
  return { emulator, slack, env, dbPath, baseUrl, eventsUrl: `${baseUrl}/slack/events` };
}

async function readRelays(dbPath: string): Promise<RelayRecord[]> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return await store.listBySender(SENDER_ID, 100);
  } finally {
    await store.close();
  }
}

async function queuedCalls(baseUrl: string): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^fxbridge_fxiaoke_rate_limit_queue (\d+)$/m.exec(metrics)?.[1] ?? Number.NaN);
}

function carries(request: RecordedRequest, text: string): boolean {
  return JSON.stringify(request.body).includes(text);
}

const MAY_HAVE = 'May or may not have arrived';

describe('queued is not dispatched (SIGKILL while relays wait for the rate budget)', () => {
  it('sends every queued relay exactly once after the restart; only the call that was out is "may have been delivered"', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp();
    // The first send goes out and is never answered: it really is out when the process dies.
    emulator.addFault({ fault: { type: 'timeout' }, path: SEND, times: 1 });
    const first = children.start(['src/main.ts'], env(tightBudget(3)));
    await first.healthy(baseUrl, STARTUP_MS);

    const recipient = emulator.users[0]!.openUserId;
    const texts = Array.from({ length: 8 }, (_, n) => `queued relay #${n}.`);
    const acks = await Promise.all(
      texts.map((text) =>
        sendSlashCommand(eventsUrl, TEST_SIGNING_SECRET, {
          text: `${recipient} ${text}`,
          response_url: slack.responseUrl(),
        }),
      ),
    );
    expect(acks.map((ack) => ack.status)).toEqual(texts.map(() => 200));
    // Three calls went out (one hangs, two were answered and have their receipts); five wait.
    await vi.waitFor(
      async () => {
        expect(emulator.requestsTo(SEND)).toHaveLength(3);
        expect(slack.messages.filter((message) => message.channel === CHANNEL_ID)).toHaveLength(2);
        expect(await queuedCalls(baseUrl)).toBe(5);
      },
      { timeout: 20_000, interval: 50 },
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const outBeforeKill = emulator.requestsTo(SEND).map((request) => texts.find((t) => carries(request, t)));
    const hanging = texts.find((text) => carries(emulator.requestsTo(SEND)[0]!, text));
    expect(hanging).toBeDefined();
    const queued = texts.filter((text) => !outBeforeKill.includes(text));
    expect(queued).toHaveLength(5);

    // Started again with the default budget.
    const second = children.start(['src/main.ts'], env());
    await second.healthy(baseUrl, STARTUP_MS);
    // Every relay is answered: a receipt in the channel, or a direct message about the restart.
    await slack.waitFor(
      () =>
        texts.every((text) =>
          slack.callsTo('chat.postMessage').some((call) => JSON.stringify(call.body).includes(text)),
        ),
      20_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });

    // The emulator's records: each text was asked of Fxiaoke exactly once, the queued ones included.
    for (const text of texts) {
      expect(
        emulator.requestsTo(SEND).filter((request) => carries(request, text)),
        text,
      ).toHaveLength(1);
    }
    const relays = await readRelays(dbPath);
    expect(relays).toHaveLength(texts.length);
    const statusOf = (text: string) => relays.find((relay) => relay.text === text)?.status;
    for (const text of queued) expect(statusOf(text), text).toBe('sent');
    // Only the call that really was out may have been delivered, and only its sender is told so.
    expect(statusOf(hanging!)).toBe('unknown');
    const unknown = relays.filter((relay) => relay.status === 'unknown');
    expect(unknown.map((relay) => relay.text)).toEqual([hanging]);
    const mayHave = slack
      .callsTo('chat.postMessage')
      .filter((call) => JSON.stringify(call.body).includes(MAY_HAVE));
    expect(mayHave).toHaveLength(1);
    expect(String(mayHave[0]?.body.text)).toContain(unknown[0]!.id);
    expect(second.output).toContain('took over a relay nobody was working on');
  }, 90_000);
});

/** Send to Fxiaoke on the sender's message, through the compose window, to one recipient. */
async function relayOriginal(
  eventsUrl: string,
  slack: FakeSlackApi,
  emulator: FxiaokeEmulator,
  text: string,
): Promise<void> {
  await sendInteraction(
    eventsUrl,
    TEST_SIGNING_SECRET,
    messageShortcutPayload({
      callbackId: 'fx_send_message',
      message: { ts: ORIGINAL_TS, text, user: SENDER_ID },
      responseUrl: slack.responseUrl(),
    }),
  );
  const opened = await slack.waitFor(() => slack.callsTo('views.open')[0], 15_000);
  const view = opened.body.view as { callback_id: string; private_metadata: string };
  const recipient = emulator.users[0]!.openUserId;
  await sendInteraction(
    eventsUrl,
    TEST_SIGNING_SECRET,
    viewSubmissionPayload({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: {
        recipients: {
          recipients: {
            type: 'multi_external_select',
            selected_options: [{ text: { type: 'plain_text', text: recipient }, value: recipient }],
          },
        },
        slack_users: { slack_users: { type: 'multi_users_select', selected_users: [] } },
        message: { message: { type: 'plain_text_input', value: text } },
      },
    }),
  );
}

async function edit(eventsUrl: string, text: string, previousText: string): Promise<void> {
  const body = JSON.stringify(eventCallback(messageChanged({ text, previousText })));
  const acked = await postSigned(eventsUrl, body, {
    signingSecret: TEST_SIGNING_SECRET,
    contentType: 'application/json',
  });
  expect(acked.status).toBe(200);
}

function dmsTo(slack: FakeSlackApi, userId: string): string[] {
  return slack
    .callsTo('chat.postMessage')
    .filter((call) => call.body.channel === userId)
    .map((call) => JSON.stringify(call.body));
}

describe('an edit-sync killed between the revoke and the send of the new text', () => {
  it('sends the new text after the restart, says the old copy was taken back, and the relay stays updatable and revocable', async () => {
    const { emulator, slack, env, dbPath, baseUrl, eventsUrl } = await setUp('sync:\n  edits: auto\n');
    const first = children.start(['src/main.ts'], env(tightBudget(1)));
    await first.healthy(baseUrl, STARTUP_MS);
    await relayOriginal(eventsUrl, slack, emulator, 'Launch at 9');
    await slack.waitFor(() => emulator.messages.length === 1 || undefined, 15_000);

    // The edit revokes the old copy (its own endpoint's budget), then its send waits for the budget.
    await edit(eventsUrl, 'Launch at 10', 'Launch at 9');
    await vi.waitFor(
      async () => {
        expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
        expect(await queuedCalls(baseUrl)).toBe(1);
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(emulator.messages[0]?.revoked).toBe(true);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(emulator.requestsTo(SEND)).toHaveLength(1);

    const second = children.start(['src/main.ts'], env());
    await second.healthy(baseUrl, STARTUP_MS);
    const told = await slack.waitFor(
      () => dmsTo(slack, SENDER_ID).find((dm) => dm.includes('Updated in Fxiaoke') || dm.includes(MAY_HAVE)),
      20_000,
    );
    // The new text went out once; the sender hears it was updated and the old copy taken back.
    expect(told).not.toContain(MAY_HAVE);
    expect(told).toContain('Updated in Fxiaoke');
    expect(told).toContain('The old copy was taken back');
    expect(emulator.requestsTo(SEND).filter((request) => carries(request, 'Launch at 10'))).toHaveLength(1);
    expect(emulator.messages).toHaveLength(2);
    expect(emulator.messages[1]?.revoked).toBe(false);

    // Still updatable: the next edit revokes version 2 and sends version 3.
    await edit(eventsUrl, 'Launch at 11', 'Launch at 10');
    await slack.waitFor(() => emulator.messages.length === 3 || undefined, 15_000);
    await slack.waitFor(() => emulator.messages[1]?.revoked || undefined, 15_000);
    // Still revocable: Revoke from Fxiaoke on the message takes version 3 back.
    const responseUrl = slack.responseUrl();
    await slack.waitFor(
      () =>
        dmsTo(slack, SENDER_ID).filter((dm) => dm.includes('Updated in Fxiaoke')).length === 2 || undefined,
      15_000,
    );
    await sendInteraction(
      eventsUrl,
      TEST_SIGNING_SECRET,
      messageShortcutPayload({
        callbackId: 'fx_revoke_message',
        message: { ts: ORIGINAL_TS, text: 'Launch at 11', user: SENDER_ID },
        responseUrl,
      }),
    );
    await slack.waitFor(() => emulator.messages[2]?.revoked || undefined, 15_000);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });

    expect(dmsTo(slack, SENDER_ID).filter((dm) => dm.includes(MAY_HAVE))).toEqual([]);
    const store = openSqliteStore({ path: dbPath });
    const relay = await store
      .findBySlackMessage({ teamId: TEAM_ID, channelId: CHANNEL_ID, ts: ORIGINAL_TS })
      .finally(() => store.close());
    expect(relay?.status).toBe('revoked');
    expect(relay?.text).toBe('Launch at 11');
    expect(relay?.versions?.map((version) => version.text)).toEqual(['Launch at 9', 'Launch at 10']);
    expect(emulator.requestsTo(SEND)).toHaveLength(3);
  }, 90_000);
});
