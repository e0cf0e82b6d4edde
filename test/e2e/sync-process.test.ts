/**
 * Edits and SIGKILL in a real child process. An update killed with the old copy revoked and the
 * new text's call out: the next start never sends it again, reports it as possibly delivered (and
 * the old copy as revoked) and closes the update. A burst of edits recorded (acked) and killed
 * before it went quiet: the next start finds it and applies the last text once. The emulator and
 * the fake Slack API run in this test process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  CHANNEL_ID,
  messageShortcutPayload,
  postSigned,
  SENDER_ID,
  sendInteraction,
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
/** Starting a child (tsx compiles on the fly) is slow on a loaded machine: a generous bound. */
const STARTUP_MS = 60_000;

let cleanup: (() => Promise<void>) | undefined;
const children = new BridgeProcesses();
afterEach(async () => {
  await children.killAll();
  await cleanup?.();
  cleanup = undefined;
});

async function relayIn(dbPath: string): Promise<RelayRecord | undefined> {
  const store = openSqliteStore({ path: dbPath });
  try {
    return await store.findBySlackMessage({ teamId: TEAM_ID, channelId: CHANNEL_ID, ts: ORIGINAL_TS });
  } finally {
    await store.close();
  }
}

interface World {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  dbPath: string;
  configFile: string;
  env: Record<string, string>;
  baseUrl: string;
  eventsUrl: string;
}

async function world(fileConfig: string): Promise<World> {
  const emulator = await FxiaokeEmulator.start({
    appSecret: APP_SECRET,
    permanentCode: PERMANENT_CODE,
    serviceIds: [SERVICE_ID],
    messageIdLocation: 'top',
  });
  const slack = await FakeSlackApi.start();
  const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-sync-process-'));
  cleanup = async () => {
    await slack.stop();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const configFile = join(dir, 'fx-bridge.yml');
  writeFileSync(configFile, fileConfig);
  const dbPath = join(dir, 'data', 'fx-bridge.db');
  const port = await freePort();
  const env = bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}` });
  const baseUrl = `http://127.0.0.1:${port}`;
  return { emulator, slack, dbPath, configFile, env, baseUrl, eventsUrl: `${baseUrl}/slack/events` };
}

/** Send to Fxiaoke on the sender's message, through the compose window; waits until it is out. */
async function relayOriginal({ emulator, slack, eventsUrl }: World, text: string): Promise<void> {
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
  const recipient = emulator.options.users[0]!.openUserId;
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
  await slack.waitFor(() => emulator.messages.length === 1 || undefined, 15_000);
}

function postEdit(w: World, text: string, previousText: string) {
  const body = JSON.stringify(eventCallback(messageChanged({ text, previousText })));
  return postSigned(w.eventsUrl, body, {
    signingSecret: TEST_SIGNING_SECRET,
    contentType: 'application/json',
  });
}

describe('an update killed mid-way', () => {
  it('is never sent twice after SIGKILL: the next start marks the new text "may have been delivered"', async () => {
    const w = await world('sync:\n  edits: auto\n  quietMs: 0\n');
    const { emulator, slack, dbPath, env, baseUrl } = w;
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl, STARTUP_MS);
    await relayOriginal(w, 'Launch at 9');

    // The update's send hangs; the process is killed while it is out.
    emulator.addFault({ fault: { type: 'latency', ms: 20_000 }, path: SEND, times: 1 });
    expect((await postEdit(w, 'Launch at 10', 'Launch at 9')).status).toBe(200);
    await slack.waitFor(() => emulator.requestsTo(SEND).length === 2 || undefined, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const killed = await relayIn(dbPath);
    expect(killed?.status).toBe('pending');
    expect(killed?.updateRequest).toBeDefined();

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    const dm = await slack.waitFor(
      () =>
        slack
          .callsTo('chat.postMessage')
          .find(
            (call) =>
              call.body.channel === SENDER_ID &&
              JSON.stringify(call.body).includes('May or may not have arrived'),
          ),
      15_000,
    );
    // The sender learns the old text is gone too, not only that the new one may have arrived.
    expect(JSON.stringify(dm.body.blocks)).toContain(
      '*Old text (version 1):* revoked from Fxiaoke before the new text was sent.',
    );
    expect(String(dm.body.text)).toContain('the old text (version 1) was revoked first');
    const after = await relayIn(dbPath);
    expect(after?.status).toBe('unknown');
    expect(after?.updateRequest).toBeUndefined();
    expect(after?.text).toBe('Launch at 10');
    expect(after?.batches[0]?.error?.message).toContain('may have been delivered');
    expect(after?.versions?.[0]).toMatchObject({
      text: 'Launch at 9',
      batches: [expect.objectContaining({ status: 'revoked' })],
    });
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
    expect(emulator.requestsTo(SEND)).toHaveLength(2);
  }, 180_000);
});

describe('a burst of edits killed before it went quiet', () => {
  it('was acked, so it is recorded: the next start applies the last text once and tells the sender', async () => {
    // A quiet period far longer than the test: the first process never acts on the burst.
    const w = await world('sync:\n  edits: auto\n  quietMs: 600000\n');
    const { emulator, slack, dbPath, env, baseUrl } = w;
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl, STARTUP_MS);
    await relayOriginal(w, 'Doors open at 6');
    for (const [text, previous] of [
      ['Doors open at 7', 'Doors open at 6'],
      ['Doors open at 8', 'Doors open at 7'],
      ['Doors open at 8:30', 'Doors open at 8'],
    ] as const) {
      expect((await postEdit(w, text, previous)).status).toBe(200);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const killed = await relayIn(dbPath);
    expect(killed?.status).toBe('changed');
    expect(killed?.slackChanges?.waiting).toMatchObject({
      kind: 'edit',
      text: 'Doors open at 8:30',
      edits: 3,
    });
    expect(emulator.requestsTo(REVOKE)).toHaveLength(0);

    // The next start (acting on each edit at once now) takes the recorded burst over.
    writeFileSync(w.configFile, 'sync:\n  edits: auto\n  quietMs: 0\n');
    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    const told = await slack.waitFor(
      () =>
        slack
          .callsTo('chat.postMessage')
          .find(
            (call) =>
              call.body.channel === SENDER_ID && String(call.body.text).includes('Updated in Fxiaoke'),
          ),
      15_000,
    );
    expect(String(told.body.text)).toContain('your 3 edits in Slack went out as this one update');
    // Told after the update was recorded: the relay is final now.
    const after = await relayIn(dbPath);
    expect(after).toMatchObject({ text: 'Doors open at 8:30', status: 'sent' });
    expect(after?.slackChanges?.waiting).toBeUndefined();
    expect(after?.updateRequest).toBeUndefined();
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
    expect(emulator.requestsTo(SEND)).toHaveLength(2);
    expect(JSON.stringify(emulator.requestsTo(SEND)[1]?.body)).toContain('Doors open at 8:30 (edited)');
  }, 180_000);
});
