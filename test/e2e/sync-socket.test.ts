/**
 * Edits over Socket Mode: the real bridge (Bolt SocketModeReceiver) on the fake socket endpoint.
 * The relay is made with Send to Fxiaoke over the socket; the edit arrives as an `events_api`
 * envelope, is acked only once recorded, and the Update click (also over the socket) revokes and
 * sends through the real emulator.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  BOT_ID,
  BOT_USER_ID,
  blockActionPayload,
  CHANNEL_ID,
  messageShortcutPayload,
  SENDER_ID,
  TEAM_ID,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { FakeSocketModeServer } from '../../dev/fakes/slack-socket.js';
import { type Bridge, startBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { APP_SECRET, BOT_TOKEN, emulatorEnv, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { buttonsOf, eventCallback, messageChanged, ORIGINAL_TS } from './sync-requests.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('edits over Socket Mode', () => {
  it('edit → question → Update: the emulator sees the revoke, then the new text', async () => {
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      messageIdLocation: 'top',
    });
    const slack = await FakeSlackApi.start();
    const socket = await FakeSocketModeServer.start();
    slack.setSocketModeUrl(socket.url);
    const dir = mkdtempSync(join(tmpdir(), 'fx-bridge-sync-socket-'));
    let bridge: Bridge | undefined;
    cleanup = async () => {
      await bridge?.stop();
      await socket.stop();
      await slack.stop();
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    const configFile = join(dir, 'fx-bridge.yml');
    writeFileSync(configFile, 'sync:\n  quietMs: 50\n');
    bridge = await startBridge(
      loadConfig({
        FX_BRIDGE_CONFIG: configFile,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: 'xapp-1-A0TEST-123-abcdef',
        SLACK_API_URL: slack.url,
        PORT: '0',
        ...emulatorEnv(emulator),
        STORE_URL: `sqlite:${join(dir, 'data', 'fx-bridge.db')}`,
        LOG_LEVEL: 'debug',
      }),
      {
        logDestination: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
        botId: BOT_ID,
        botUserId: BOT_USER_ID,
        sleep: () => Promise.resolve(),
      },
    );
    const store = bridge.store;
    const relayOf = (ready: (record: RelayRecord) => boolean) =>
      vi.waitFor(
        async () => {
          const record = await store.findBySlackMessage({
            teamId: TEAM_ID,
            channelId: CHANNEL_ID,
            ts: ORIGINAL_TS,
          });
          if (record && ready(record)) return record;
          throw new Error(`relay of ${ORIGINAL_TS} not ready: ${record?.status}`);
        },
        { timeout: 20_000, interval: 10 },
      );

    // Send to Fxiaoke on the sender's own message, over the socket.
    await socket.sendEnvelope(
      'interactive',
      messageShortcutPayload({
        callbackId: 'fx_send_message',
        message: { ts: ORIGINAL_TS, text: 'Ship on Monday', user: SENDER_ID },
        responseUrl: slack.responseUrl(),
      }),
    );
    const opened = await slack.waitFor(() => slack.callsTo('views.open')[0]);
    const view = opened.body.view as { callback_id: string; private_metadata: string };
    const recipient = emulator.options.users[0]!.openUserId;
    await socket.sendEnvelope(
      'interactive',
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
          message: { message: { type: 'plain_text_input', value: 'Ship on Monday' } },
        },
      }),
    );
    const first = await relayOf((record) => record.status === 'sent');

    // The edit, as an events_api envelope: acked once it is recorded (event id and edit time).
    const edit = messageChanged({ text: 'Ship on Tuesday', previousText: 'Ship on Monday' });
    const envelope = eventCallback(edit);
    const ack = await socket.sendEnvelope('events_api', envelope);
    expect(ack).toBeDefined();
    const recorded = await store.findById(first.id);
    expect(recorded?.sync?.seenEvents).toContain(envelope.event_id);
    const message = edit.message as { edited: { ts: string } };
    expect(recorded?.slackChanges?.newestEdit).toEqual({
      editedTs: message.edited.ts,
      eventTs: edit.event_ts,
    });
    const dm = await slack.waitFor(() =>
      slack
        .callsTo('chat.postMessage')
        .find((call) => call.body.channel === SENDER_ID && String(call.body.text).includes('edited')),
    );
    await relayOf((record) => record.status === 'sent');
    const update = buttonsOf(dm.body.blocks).find((button) => button.action_id === 'fx_update')!;
    const responseUrl = slack.responseUrl();
    await socket.sendEnvelope(
      'interactive',
      blockActionPayload({
        actionId: 'fx_update',
        value: update.value,
        messageTs: '1700000999.000300',
        responseUrl,
      }),
    );
    await slack.waitFor(() => slack.responsesTo(responseUrl).length > 0);
    expect(String(slack.responsesTo(responseUrl)[0]?.body.text)).toContain('Updated in Fxiaoke');
    const calls = emulator.requests
      .filter((request) => request.path.includes('/message/'))
      .map((request) => request.path);
    expect(calls).toEqual(['/cgi/app/message/send', '/cgi/app/message/revoke', '/cgi/app/message/send']);
    const updated = await relayOf((record) => record.status === 'sent' && !record.updateRequest);
    expect(updated.versions?.map((version) => version.text)).toEqual(['Ship on Monday']);
  });
});
