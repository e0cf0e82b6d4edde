/**
 * An update killed with SIGKILL in a real child process: the old copy was revoked and the new
 * text's call was out. The next start never sends it again, reports it as possibly delivered (and
 * the old copy as revoked) and closes the update. The emulator and the fake Slack API run in this test process.
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

describe('an update killed mid-way', () => {
  it('is never sent twice after SIGKILL: the next start marks the new text "may have been delivered"', async () => {
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
    writeFileSync(configFile, 'sync:\n  edits: auto\n');
    const dbPath = join(dir, 'data', 'fx-bridge.db');
    const port = await freePort();
    const env = bridgeEnv({ emulator, slack, port, configFile, storeUrl: `sqlite:${dbPath}` });
    const baseUrl = `http://127.0.0.1:${port}`;
    const eventsUrl = `${baseUrl}/slack/events`;
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl);

    // Send to Fxiaoke on the sender's message.
    await sendInteraction(
      eventsUrl,
      TEST_SIGNING_SECRET,
      messageShortcutPayload({
        callbackId: 'fx_send_message',
        message: { ts: ORIGINAL_TS, text: 'Launch at 9', user: SENDER_ID },
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
          message: { message: { type: 'plain_text_input', value: 'Launch at 9' } },
        },
      }),
    );
    await slack.waitFor(() => emulator.messages.length === 1 || undefined, 15_000);

    // The update's send hangs; the process is killed while it is out.
    emulator.addFault({ fault: { type: 'latency', ms: 20_000 }, path: SEND, times: 1 });
    const body = JSON.stringify(
      eventCallback(messageChanged({ text: 'Launch at 10', previousText: 'Launch at 9' })),
    );
    const acked = await postSigned(eventsUrl, body, {
      signingSecret: TEST_SIGNING_SECRET,
      contentType: 'application/json',
    });
    expect(acked.status).toBe(200);
    await slack.waitFor(() => emulator.requestsTo(SEND).length === 2 || undefined, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const killed = await relayIn(dbPath);
    expect(killed?.status).toBe('pending');
    expect(killed?.updateRequest).toBeDefined();

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl);
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
  }, 60_000);
});
