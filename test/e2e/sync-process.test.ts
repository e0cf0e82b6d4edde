/**
 * Edits and SIGKILL in a real child process. An update killed with the old copy revoked and the
 * new text's call out: the next start never sends it again, reports it as possibly delivered (and
 * the old copy as revoked) and closes the update. A burst of edits recorded (acked) and killed
 * before it went quiet: the next start finds it and applies the last text once. An edit recorded
 * during a send, killed right after the send's last write: the next start follows it. The emulator
 * and the fake Slack API run in this test process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

/**
 * Send to Fxiaoke on the sender's message, through the compose window; waits until it is out
 * (or, `untilAccepted: false`, only until the compose window was submitted).
 */
async function relayOriginal(
  { emulator, slack, eventsUrl }: World,
  text: string,
  { untilAccepted = true } = {},
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
  if (untilAccepted) await slack.waitFor(() => emulator.messages.length === 1 || undefined, 15_000);
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

describe('an update killed after its final write, before its answer was told', () => {
  it('is told by the next start, once: the DM the killed process owed', async () => {
    const w = await world('sync:\n  edits: auto\n  quietMs: 0\n');
    const { emulator, slack, dbPath, env, baseUrl } = w;
    const first = children.start(['src/main.ts'], env);
    await first.healthy(baseUrl, STARTUP_MS);
    await relayOriginal(w, 'Launch at 9');
    // The send's own answer told (its owed answer cleared) before Slack starts hanging.
    await vi.waitFor(async () => expect((await relayIn(dbPath))?.owed).toBeUndefined(), { timeout: 15_000 });

    // Slack hangs on the update's DM: Fxiaoke has the new text and the record says so.
    const posts = slack.callsTo('chat.postMessage').length;
    slack.holdCalls('chat.postMessage');
    expect((await postEdit(w, 'Launch at 10', 'Launch at 9')).status).toBe(200);
    await slack.waitFor(() => slack.callsTo('chat.postMessage').length > posts || undefined, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    slack.dropHeld('chat.postMessage');
    const killed = await relayIn(dbPath);
    expect(killed).toMatchObject({
      status: 'sent',
      text: 'Launch at 10',
      owed: { kind: 'update', to: SENDER_ID },
    });

    const second = children.start(['src/main.ts'], env);
    await second.healthy(baseUrl, STARTUP_MS);
    const told = await slack.waitFor(
      () =>
        slack
          .callsTo('chat.postMessage')
          .slice(posts + 1)
          .find((call) => JSON.stringify(call.body).includes('Updated in Fxiaoke')),
      15_000,
    );
    expect(String(told.body.text)).toContain('the new text (version 2) was sent to 1 person');
    await vi.waitFor(async () => expect((await relayIn(dbPath))?.owed).toBeUndefined(), { timeout: 15_000 });
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output).toEqual({ code: 0, signal: null });
    // Told once, and nothing was sent or revoked again.
    const answers = slack
      .callsTo('chat.postMessage')
      .filter((call) => JSON.stringify(call.body).includes('Updated in Fxiaoke'));
    expect(answers).toHaveLength(2); // the held one the killed process never finished, and this one
    expect(emulator.requestsTo(SEND)).toHaveLength(2);
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
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

/**
 * An HTTP service as the bridge sees it, through a proxy that holds the requests to a path ending
 * in one of the held suffixes: passed on once released, or never (closed unanswered).
 */
interface HoldingProxy {
  url: string;
  hold(suffix: string): void;
  /** Requests held now under this suffix. */
  held(suffix: string): number;
  release(suffix: string): void;
  close(): void;
}

async function holdingProxy(target: string): Promise<HoldingProxy> {
  const queues = new Map<string, Array<() => void>>();
  const unanswered = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) => !['host', 'content-length', 'connection'].includes(name),
        ),
      ) as Record<string, string>;
      const forward = () => {
        unanswered.delete(res);
        fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body: Buffer.concat(chunks) })
          .then(async (answer) => {
            res.writeHead(answer.status, {
              'content-type': answer.headers.get('content-type') ?? 'application/json',
            });
            res.end(Buffer.from(await answer.arrayBuffer()));
          })
          .catch(() => res.destroy());
      };
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      const queue = [...queues].find(([suffix]) => path.endsWith(suffix))?.[1];
      if (!queue) return forward();
      unanswered.add(res);
      queue.push(forward);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${new URL(target).pathname}`,
    hold: (suffix) => void queues.set(suffix, queues.get(suffix) ?? []),
    held: (suffix) => queues.get(suffix)?.length ?? 0,
    release: (suffix) => {
      const queue = queues.get(suffix) ?? [];
      queues.delete(suffix);
      for (const forward of queue) forward();
    },
    close: () => {
      for (const res of unanswered) res.destroy();
      server.close();
    },
  };
}

describe('an edit recorded during a send, the process killed right after the send’s last write', () => {
  it('is handed over by that write: the next start finds it and follows the edit once', async () => {
    // A quiet period far longer than the test: the first process never acts on the edit itself.
    const w = await world('sync:\n  edits: auto\n  quietMs: 600000\n');
    const { emulator, slack, dbPath, baseUrl } = w;
    // Slack's Web API and Fxiaoke, as the first process sees them.
    const slackProxy = await holdingProxy(slack.url);
    const fxiaokeProxy = await holdingProxy(emulator.url);
    const stop = cleanup;
    cleanup = async () => {
      slackProxy.close();
      fxiaokeProxy.close();
      await stop?.();
    };
    const first = children.start(['src/main.ts'], {
      ...w.env,
      SLACK_API_URL: slackProxy.url,
      FXIAOKE_BASE_URL: fxiaokeProxy.url,
      // The send is held at the proxy for as long as the test needs, never timed out.
      FXIAOKE_TIMEOUT_MS: '60000',
    });
    await first.healthy(baseUrl, STARTUP_MS);

    // The send's call is out (held on its way to Fxiaoke) when the sender edits the message.
    fxiaokeProxy.hold(SEND);
    await relayOriginal(w, 'Doors open at 6', { untilAccepted: false });
    await vi.waitFor(() => expect(fxiaokeProxy.held(SEND)).toBe(1), { timeout: 15_000 });
    expect((await postEdit(w, 'Doors open at 7', 'Doors open at 6')).status).toBe(200);
    const beside = await relayIn(dbPath);
    expect(beside?.status).toBe('pending');
    expect(beside?.slackChanges?.waiting?.text).toBe('Doors open at 7');
    // The answer to the sender hangs: the process stays between its last write and the handover.
    slackProxy.hold('chat.postEphemeral');
    fxiaokeProxy.release(SEND);
    const finished = await vi.waitFor(
      async () => {
        const record = await relayIn(dbPath);
        if (!record || record.status === 'pending') throw new Error('the send has not finished');
        return record;
      },
      { timeout: 15_000, interval: 10 },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // Handed over by the send's own last write: anyone's, acting from sent.
    expect(finished.status).toBe('changed');
    expect(finished.lease).toBeUndefined();
    expect(finished.slackChanges?.waiting).toMatchObject({ text: 'Doors open at 7', previousStatus: 'sent' });

    writeFileSync(w.configFile, 'sync:\n  edits: auto\n  quietMs: 0\n');
    const second = children.start(['src/main.ts'], w.env);
    await second.healthy(baseUrl, STARTUP_MS);
    await slack.waitFor(
      () =>
        slack
          .callsTo('chat.postMessage')
          .find(
            (call) =>
              call.body.channel === SENDER_ID && String(call.body.text).includes('Updated in Fxiaoke'),
          ),
      15_000,
    );
    const after = await relayIn(dbPath);
    expect(after).toMatchObject({ text: 'Doors open at 7', status: 'sent' });
    expect(after?.slackChanges?.waiting).toBeUndefined();
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
    expect(emulator.requestsTo(SEND)).toHaveLength(2);
    expect(JSON.stringify(emulator.requestsTo(SEND)[1]?.body)).toContain('Doors open at 7 (edited)');
  }, 180_000);
});
