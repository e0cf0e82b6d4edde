/**
 * Two bridge processes on one Redis, as behind a load balancer: same emulator, same fake Slack
 * Web API, different ports, one STORE_URL and one REDIS_KEY_PREFIX (fresh per test). A relay sent
 * through one is revoked through the other; the same command or modal submission delivered to
 * both is sent once; the Fxiaoke token is fetched once for both; and `kill -9` of a replica during
 * a fan-out or a burst leaves nothing `pending` after its restart, with the senders told.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type EmulatedMessage,
  type EmulatorUser,
  FxiaokeEmulator,
  generateUsers,
} from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi, type PostedMessage } from '../../dev/fakes/slack-api.js';
import {
  blockActionPayload,
  CHANNEL_ID,
  CHANNEL_NAME,
  freshTriggerId,
  interactivityBody,
  postSigned,
  SENDER_ID,
  type SignedPostResult,
  sendInteraction,
  sendSlashCommand,
  slashCommandBody,
  TEAM_ID,
  TEST_SIGNING_SECRET,
  viewSubmissionPayload,
} from '../../dev/fakes/slack-requests.js';
import { openRedisStore, type RedisRelayStore } from '../../src/redis/relay-store.js';
import { commandRequestKey } from '../../src/relay/ids.js';
import { INTERRUPTED } from '../../src/relay/takeover.js';
import { RELAY_STATUSES, type RelayRecord } from '../../src/relay/types.js';
import { connect, deleteKeysUnder, prefixes, REDIS_URL, redisAvailable } from '../redis-helpers.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { type BridgeProcess, BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';
import { revokeByShortcut } from './replica-kit.js';

const SEND = '/cgi/app/message/send';
const REVOKE = '/cgi/app/message/revoke';

const available = await redisAvailable('two bridge replicas on one Redis (end-to-end)');

/** One bridge process behind the imaginary load balancer. */
interface Replica {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly baseUrl: string;
  readonly eventsUrl: string;
  process: BridgeProcess;
}

interface Cluster {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  /** The same Redis keys the replicas use, opened directly by the test. */
  store: RedisRelayStore;
  a: Replica;
  b: Replica;
}

interface ClusterOptions {
  users?: EmulatorUser[];
  /** Latency of every send, so a kill finds batches under way. */
  sendLatencyMs?: number;
  fileConfig?: string;
}

describe.skipIf(!available)('two bridge replicas on one Redis (child processes)', () => {
  const keys = prefixes('replicas');
  const children = new BridgeProcesses();
  let admin: Redis;
  let emulator: FxiaokeEmulator | undefined;
  let slack: FakeSlackApi | undefined;
  let store: RedisRelayStore | undefined;
  let dir: string | undefined;

  beforeAll(() => {
    admin = connect();
  });
  afterEach(async () => {
    // Children first: nothing may write to Redis while its keys are deleted.
    await children.killAll();
    await store?.close();
    await slack?.stop();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    store = undefined;
    slack = undefined;
    emulator = undefined;
    dir = undefined;
    await deleteKeysUnder(admin, keys.run);
  });
  afterAll(async () => {
    await admin.quit();
  });

  /** Emulator, fake Slack, the Redis store under a fresh prefix, and replicas A and B started together. */
  async function cluster(options: ClusterOptions = {}): Promise<Cluster> {
    emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      // A tenant whose service-account sends return a top-level id, so relays can be revoked.
      messageIdLocation: 'top',
      ...(options.users ? { users: options.users } : {}),
    });
    if (options.sendLatencyMs !== undefined) {
      emulator.addFault({
        fault: { type: 'latency', ms: options.sendLatencyMs },
        path: SEND,
        times: Number.POSITIVE_INFINITY,
      });
    }
    slack = await FakeSlackApi.start();
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-replicas-'));
    let configFile: string | undefined;
    if (options.fileConfig !== undefined) {
      configFile = join(dir, 'fx-bridge.yml');
      writeFileSync(configFile, options.fileConfig);
    }
    const prefix = keys.fresh();
    store = await openRedisStore({ url: REDIS_URL, keyPrefix: prefix });
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    const replica = (name: string, port: number): Replica => {
      const env = bridgeEnv({
        emulator: emulator!,
        slack: slack!,
        port,
        configFile,
        storeUrl: REDIS_URL,
        // Short leases, so a live replica takes over a dead one's work within the test's patience.
        extra: { REDIS_KEY_PREFIX: prefix, LEASE_SECONDS: '3' },
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      return {
        name,
        env,
        baseUrl,
        eventsUrl: `${baseUrl}/slack/events`,
        process: children.start(['src/main.ts'], env),
      };
    };
    const a = replica('A', portA);
    const b = replica('B', portB);
    await Promise.all([a.process.healthy(a.baseUrl), b.process.healthy(b.baseUrl)]);
    return { emulator, slack, store, a, b };
  }

  /** Starts the replica again on its port and store, with extra environment; waits until healthy. */
  async function restart(replica: Replica, extra: Record<string, string> = {}): Promise<void> {
    replica.process = children.start(['src/main.ts'], { ...replica.env, ...extra });
    await replica.process.healthy(replica.baseUrl);
  }

  it('sends through replica A, revokes through replica B; a second revoke through A is "already revoked"', async () => {
    const { emulator, slack, store, a, b } = await cluster();
    const [alice, bob] = emulator.options.users;
    const command = await sendSlashCommand(a.eventsUrl, TEST_SIGNING_SECRET, {
      text: `${alice!.openUserId},${bob!.openUserId} Quote is ready (through A)`,
      response_url: slack.responseUrl(),
    });
    expect(command.status).toBe(200);
    const receipt = await slack.waitFor(() =>
      slack.messages.find((message) => message.channel === CHANNEL_ID),
    );
    const record = await settledRelay(store, receipt);
    expect(record.status).toBe('sent');
    expect(emulator.messages).toHaveLength(1);
    expect(record.batches[0]?.messageId).toBe(emulator.messages[0]!.messageId);
    expect(receipt.text).toContain(emulator.messages[0]!.traceId);

    const throughB = await revokeByShortcut(b, slack, receipt);
    expect((await answers(slack, throughB))[0]).toContain('Revoked relay');
    expect(emulator.messages[0]!.revoked).toBe(true);
    expect((await store.findById(record.id))?.status).toBe('revoked');
    // B edits the receipt A posted.
    const updated = await slack.waitFor(() => slack.message(receipt.channel, receipt.ts)?.updates.at(-1));
    expect(JSON.stringify(updated.blocks)).toContain(`Revoked by <@${SENDER_ID}>`);

    const throughA = await revokeByShortcut(a, slack, receipt);
    expect((await answers(slack, throughA))[0]).toContain('already revoked');
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
    // A sent and B revoked, as each one's own metrics say.
    expect(await fxiaokeCalls(a, SEND)).toBe(1);
    expect(await fxiaokeCalls(a, REVOKE)).toBe(0);
    expect(await fxiaokeCalls(b, SEND)).toBe(0);
    expect(await fxiaokeCalls(b, REVOKE)).toBe(1);
  });

  it('sends the same slash command delivered to both replicas at once exactly once', async () => {
    const { emulator, slack, store, a, b } = await cluster();
    const user = emulator.options.users[0]!;
    const responseUrl = slack.responseUrl();
    const triggerId = freshTriggerId();
    // One delivery, byte for byte, to both: same trigger_id, same response_url.
    const body = slashCommandBody({
      text: `${user.openUserId} only once`,
      trigger_id: triggerId,
      response_url: responseUrl,
    });
    const [first, second] = await Promise.all(
      [a, b].map((replica) => postSigned(replica.eventsUrl, body, { signingSecret: TEST_SIGNING_SECRET })),
    );
    expect([first!.status, second!.status]).toEqual([200, 200]);

    const answer = await slack.waitFor(() => slack.responsesTo(responseUrl)[0]);
    expect(String(answer.body.text)).toContain('already handled');
    const receipt = await slack.waitFor(() =>
      slack.messages.find((message) => message.channel === CHANNEL_ID),
    );
    const record = await settledRelay(store, receipt);
    expect(record.requestKey).toBe(commandRequestKey(TEAM_ID, triggerId));
    expect(record.status).toBe('sent');
    await bothIdle(a, b);
    expect(emulator.requestsTo(SEND)).toHaveLength(1);
    expect(emulator.messages).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.responsesTo(responseUrl)).toHaveLength(1);
    expect((await fxiaokeCalls(a, SEND)) + (await fxiaokeCalls(b, SEND))).toBe(1);
  });

  it('sends the same compose-modal submission delivered to both replicas at once exactly once', async () => {
    const { emulator, slack, store, a, b } = await cluster();
    const [alice, bob] = emulator.options.users;
    // A bare /fx-send opens the compose modal (through A; either would do).
    await sendSlashCommand(a.eventsUrl, TEST_SIGNING_SECRET, { text: '', response_url: slack.responseUrl() });
    const view = await composeView(slack);
    expect(JSON.parse(view.private_metadata)).toEqual({
      teamId: TEAM_ID,
      channelId: CHANNEL_ID,
      channelName: CHANNEL_NAME,
    });

    const selected = [alice!.openUserId, bob!.openUserId].map((value) => ({
      text: { type: 'plain_text', text: value },
      value,
    }));
    const payload = viewSubmissionPayload({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: {
        recipients: { recipients: { type: 'multi_external_select', selected_options: selected } },
        slack_users: { slack_users: { type: 'multi_users_select', selected_users: [] } },
        message: { message: { type: 'plain_text_input', value: 'from the modal, once' } },
      },
    });
    const body = interactivityBody(payload);
    const acks = await Promise.all(
      [a, b].map((replica) => postSigned(replica.eventsUrl, body, { signingSecret: TEST_SIGNING_SECRET })),
    );
    // Both close the modal (an empty 200): the user sees one modal close either way.
    for (const ack of acks) expect([ack.status, ack.body]).toEqual([200, '']);

    const duplicate = await slack.waitFor(() => slack.callsTo('chat.postEphemeral')[0]);
    expect(String(duplicate.body.text)).toContain('already handled');
    expect(duplicate.body.user).toBe(SENDER_ID);
    const receipt = await slack.waitFor(() =>
      slack.messages.find((message) => message.channel === CHANNEL_ID),
    );
    const record = await settledRelay(store, receipt);
    expect(record.status).toBe('sent');
    await bothIdle(a, b);
    expect(emulator.requestsTo(SEND)).toHaveLength(1);
    expect(emulator.messages[0]!.toUser).toEqual([alice!.openUserId, bob!.openUserId]);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.callsTo('chat.postEphemeral')).toHaveLength(1);
  });

  it('fetches one Fxiaoke token for both replicas, even when both need it at the same moment', async () => {
    const { emulator, slack, store, a, b } = await cluster();
    const [alice, bob] = emulator.options.users;
    const sent = await Promise.all(
      [
        { replica: a, to: alice! },
        { replica: b, to: bob! },
      ].map(({ replica, to }) =>
        sendSlashCommand(replica.eventsUrl, TEST_SIGNING_SECRET, {
          text: `${to.openUserId} through ${replica.name}`,
          response_url: slack.responseUrl(),
        }),
      ),
    );
    expect(sent.map((response) => response.status)).toEqual([200, 200]);
    const receipts = await slack.waitFor(() => {
      const posted = slack.messages.filter((message) => message.channel === CHANNEL_ID);
      return posted.length === 2 ? posted : undefined;
    });
    for (const receipt of receipts) expect((await settledRelay(store, receipt)).status).toBe('sent');
    expect(await fxiaokeCalls(a, SEND)).toBe(1);
    expect(await fxiaokeCalls(b, SEND)).toBe(1);

    expect(emulator.tokenFetches()).toBe(1);
    // One replica fetched it; the other took it from Redis.
    const fetched = [
      await metric(a, 'fxbridge_fxiaoke_token_fetches_total'),
      await metric(b, 'fxbridge_fxiaoke_token_fetches_total'),
    ];
    expect(fetched.sort((x, y) => x - y)).toEqual([0, 1]);
    const outputs = `${a.process.output}\n${b.process.output}`;
    expect(outputs).toContain('"source":"fetched"');
    expect(outputs).toContain('"source":"shared"');
  });

  it('recovers a fan-out when replica A is killed with SIGKILL, and B revokes what Fxiaoke confirmed', async () => {
    const users = generateUsers(1200);
    const { emulator, slack, store, a, b } = await cluster({
      users,
      sendLatencyMs: 300,
      fileConfig: `aliases:\n  all: [${users.map((user) => user.openUserId).join(', ')}]\n`,
    });
    await sendSlashCommand(a.eventsUrl, TEST_SIGNING_SECRET, {
      text: 'all this one gets cut short',
      response_url: slack.responseUrl(),
    });
    // The second batch is on its way: the first is recorded as sent and its receipt is posted.
    await slack.waitFor(() => emulator.requestsTo(SEND).length >= 2, 10_000);
    expect(await a.process.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const receipt = slack.messages[0]!;
    expect(receipt.channel).toBe(CHANNEL_ID);
    const [interrupted] = await store.listByStatus(['pending'], 10);
    expect(interrupted?.batches.map((batch) => batch.status)).toEqual(['sent', 'pending', 'pending']);

    // A's lease is still live: nobody takes its work. Once it runs out, B (alive) takes it over.
    expect((await store.findById(interrupted!.id))?.lease?.owner).toBeDefined();
    const record = await vi.waitFor(
      async () => {
        const taken = (await store.findById(interrupted!.id))!;
        if (taken.status === 'pending') throw new Error(`relay ${taken.id} still pending`);
        return taken;
      },
      { timeout: 20_000, interval: 50 },
    );
    // Batch 2 was dispatched when A died: never sent again. Batch 3 never was: B sent it, once.
    expect(record.status).toBe('partial');
    expect(record.batches.map((batch) => batch.status)).toEqual(['sent', 'unknown', 'sent']);
    expect(record.batches[1]?.error?.kind).toBe(INTERRUPTED);
    expect(await store.listByStatus(['received', 'pending', 'revoking'], 10)).toEqual([]);

    const dm = await slack.waitFor(() =>
      slack.callsTo('chat.postMessage').find((call) => call.body.channel === SENDER_ID),
    );
    expect(String(dm.body.text)).toContain(`relay ${record.id}`);
    const blocks = JSON.stringify(dm.body.blocks);
    expect(blocks).toContain('*Reached Fxiaoke:* 2 batches (700 recipients) #1, #3');
    expect(blocks).toContain(`\`${record.batches[0]!.traceId}\``);
    expect(blocks).toContain('*May or may not have arrived:* 1 batch (500 recipients) #2');
    expect(blocks).toContain('"action_id":"fx_revoke"');
    const update = await slack.waitFor(() =>
      slack.callsTo('chat.update').find((call) => call.body.ts === receipt.ts),
    );
    expect(JSON.stringify(update.body.blocks)).toContain('Partly sent: 2 of 3 batches reached Fxiaoke');

    // Batch 2 was under way at the kill: Fxiaoke took it after A died, and never told the bridge.
    await settledAtEmulator(slack, emulator);
    const confirmed = record.batches.filter((batch) => batch.messageId !== undefined);
    expect(emulator.messages.map((message) => message.thirdTraceId)).toEqual(
      record.batches.map((batch) => batch.thirdTraceId),
    );

    const throughB = await revokeByShortcut(b, slack, receipt);
    const [answer] = await answers(slack, throughB);
    expect(answer).toContain(`Relay \`${record.id}\` could not be fully revoked`);
    expect(answer).toContain('not 1 batch whose delivery Fxiaoke never confirmed');
    const after = (await store.findById(record.id))!;
    expect(after.batches.map((batch) => batch.status)).toEqual(['revoked', 'unknown', 'revoked']);
    // Every batch Fxiaoke confirmed is revoked; the unconfirmed one is beyond reach (no messageId).
    for (const batch of confirmed) expect(messageFor(emulator, batch.thirdTraceId)?.revoked).toBe(true);
    expect(messageFor(emulator, record.batches[1]!.thirdTraceId)?.revoked).toBe(false);
    expect(emulator.requestsTo(REVOKE)).toHaveLength(confirmed.length);
    expect(b.process.output).toContain('told the sender about a recovered relay');
  });

  it('leaves nothing pending after replica A is killed during a burst at both replicas', async () => {
    const users = generateUsers(20);
    const { emulator, slack, store, a, b } = await cluster({ users, sendLatencyMs: 150 });
    // 20 relays, one recipient each, each from its own sender, every 25 ms, alternately to A and B.
    const burst = users.map((user, index) => ({
      replica: index % 2 === 0 ? a : b,
      senderId: `U0BURST${String(index).padStart(2, '0')}`,
      triggerId: freshTriggerId(),
      text: `${user.openUserId} burst message ${index}`,
    }));
    const sentToA = new Set(burst.filter((relay) => relay.replica === a).map((relay) => relay.senderId));
    const deliveries = burst.map((relay, index) =>
      sleep(index * 25).then(() =>
        sendSlashCommand(relay.replica.eventsUrl, TEST_SIGNING_SECRET, {
          text: relay.text,
          user_id: relay.senderId,
          user_name: relay.senderId.toLowerCase(),
          trigger_id: relay.triggerId,
          response_url: slack.responseUrl(),
        }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      ),
    );

    // Kill A mid-burst: once it has finished a relay, while one of its sends is at Fxiaoke unanswered.
    await vi.waitFor(async () => {
      const unanswered = new Set(
        emulator
          .requestsTo(SEND)
          .filter((request) => request.status === undefined)
          .map((request) => request.query.thirdTraceId),
      );
      const ofA = (await store.listByStatus(['pending', 'sent'], 100)).filter((relay) =>
        sentToA.has(relay.senderId),
      );
      expect(ofA.some((relay) => relay.status === 'sent')).toBe(true);
      expect(ofA.some((relay) => relay.batches.some((batch) => unanswered.has(batch.thirdTraceId)))).toBe(
        true,
      );
    }, 10_000);
    expect((await a.process.kill('SIGKILL')).signal).toBe('SIGKILL');
    const results = await Promise.all(deliveries);
    // Everything delivered to B was taken; some deliveries to A found it gone (Slack would show an error).
    burst.forEach((relay, index) => {
      if (relay.replica === b) expect((results[index] as SignedPostResult).status).toBe(200);
    });
    await waitIdle(b);
    await settledAtEmulator(slack, emulator);

    await restart(a);
    // A's leases run out; a live replica (B, or A restarted) takes over what A left.
    await expect
      .poll(() => store.listByStatus(['received', 'pending', 'revoking'], 100), {
        timeout: 20_000,
        interval: 50,
      })
      .toEqual([]);
    await waitIdle(b);
    const relays = await store.listByStatus(RELAY_STATUSES, 100);
    expect(relays.filter((relay) => relay.status === 'pending' || relay.status === 'revoking')).toEqual([]);
    expect(relays.filter((relay) => !sentToA.has(relay.senderId)).map((relay) => relay.status)).toEqual(
      Array.from({ length: 10 }, () => 'sent'),
    );
    // A finished some before it died; those stay as they were.
    expect(relays.some((relay) => sentToA.has(relay.senderId) && relay.status === 'sent')).toBe(true);

    // What Fxiaoke accepted, against the store: every accepted send belongs to a recorded batch,
    // with its messageId, unless it was under way when A died (then the batch says so: unknown).
    const batches = new Map(
      relays.flatMap((relay) =>
        relay.batches.map((batch) => [batch.thirdTraceId, { relay, batch }] as const),
      ),
    );
    const unconfirmed: EmulatedMessage[] = [];
    for (const message of emulator.messages) {
      const found = batches.get(message.thirdTraceId);
      expect(found, `no relay recorded for the send ${message.thirdTraceId}`).toBeDefined();
      if (found!.batch.messageId === undefined) {
        unconfirmed.push(message);
        expect(sentToA.has(found!.relay.senderId)).toBe(true);
        expect([found!.batch.status, found!.batch.error?.kind]).toEqual(['unknown', INTERRUPTED]);
      } else {
        expect([found!.batch.status, found!.batch.messageId]).toEqual(['sent', message.messageId]);
      }
    }
    expect(unconfirmed.length).toBeGreaterThan(0);
    // …and every batch recorded as sent is one Fxiaoke accepted.
    const accepted = new Set(emulator.messages.map((message) => message.messageId));
    for (const { batch } of batches.values()) {
      if (batch.status === 'sent') expect(accepted.has(batch.messageId!)).toBe(true);
    }

    // Every sender of an interrupted relay is told, in a direct message.
    const interrupted = relays.filter((relay) =>
      relay.batches.some((batch) => batch.error?.kind === INTERRUPTED),
    );
    expect(interrupted.length).toBeGreaterThan(0);
    for (const relay of interrupted) {
      const dm = await slack.waitFor(() =>
        slack
          .callsTo('chat.postMessage')
          .find((call) => call.body.channel === relay.senderId && String(call.body.text).includes(relay.id)),
      );
      expect(String(dm.body.text)).toContain('fx-bridge was interrupted during relay');
    }
    // B was idle when A came back, so none of B's relays was taken for interrupted.
    const told = new Set(slack.callsTo('chat.postMessage').map((call) => String(call.body.channel)));
    for (const relay of burst) if (relay.replica === b) expect(told.has(relay.senderId)).toBe(false);

    // Every relay Fxiaoke confirmed is revocable, through B.
    const revocable = relays.filter((relay) => relay.batches.some((batch) => batch.messageId !== undefined));
    const revokes = await Promise.all(
      revocable.map(async (relay) => {
        const responseUrl = slack.responseUrl();
        await sendInteraction(
          b.eventsUrl,
          TEST_SIGNING_SECRET,
          blockActionPayload({
            actionId: 'fx_revoke',
            value: relay.id,
            userId: relay.senderId,
            messageTs: relay.slack?.ts ?? '1700000000.000001',
            channelId: relay.slack?.channelId,
            responseUrl,
          }),
        );
        return answers(slack, responseUrl);
      }),
    );
    for (const texts of revokes) expect(texts[0]).toContain('Revoked relay');
    for (const message of emulator.messages) {
      expect(message.revoked).toBe(!unconfirmed.includes(message));
    }
  });
});

// ---- helpers ------------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The relay a receipt belongs to, once it is finished (the receipt is posted before that). */
async function settledRelay(store: RedisRelayStore, receipt: PostedMessage): Promise<RelayRecord> {
  return vi.waitFor(
    async () => {
      const found = await store.findBySlackMessage({
        teamId: TEAM_ID,
        channelId: receipt.channel,
        ts: receipt.ts,
      });
      if (found === undefined || found.status === 'pending')
        throw new Error(`relay of ${receipt.ts}: ${found?.status}`);
      return found;
    },
    { timeout: 5_000, interval: 10 },
  );
}

/** The texts posted to a response_url, once there is one. */
async function answers(slack: FakeSlackApi, responseUrl: string): Promise<string[]> {
  await slack.waitFor(() => slack.responsesTo(responseUrl).length > 0);
  return slack.responsesTo(responseUrl).map((call) => String(call.body.text ?? ''));
}

interface ComposeView {
  callback_id: string;
  private_metadata: string;
}

/** The compose modal the user ends up with: the one opened, or the one that replaced "Preparing…". */
async function composeView(slack: FakeSlackApi): Promise<ComposeView> {
  const opened = (await slack.waitFor(() => slack.callsTo('views.open')[0])).body.view as ComposeView;
  if (opened.callback_id === 'fx_send_modal') return opened;
  return (await slack.waitFor(() => slack.callsTo('views.update').at(-1))).body.view as ComposeView;
}

async function metrics(replica: Replica): Promise<string> {
  return (await fetch(`${replica.baseUrl}/metrics`)).text();
}

/** The sum of a metric's samples whose labels contain `labels`. */
async function metric(replica: Replica, name: string, labels = ''): Promise<number> {
  const samples = (await metrics(replica))
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(labels));
  return samples.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function fxiaokeCalls(replica: Replica, path: string): Promise<number> {
  return metric(replica, 'fxbridge_fxiaoke_calls_total', `path="${path}"`);
}

/** No work under way in the replica (relays, revokes, notices): the queue depth is 0. */
async function waitIdle(replica: Replica): Promise<void> {
  await expect.poll(() => metric(replica, 'fxbridge_queue_depth'), { timeout: 5_000, interval: 10 }).toBe(0);
}

async function bothIdle(a: Replica, b: Replica): Promise<void> {
  await Promise.all([waitIdle(a), waitIdle(b)]);
}

/** Every send that reached the emulator has been answered (or dropped with its dead client). */
async function settledAtEmulator(slack: FakeSlackApi, emulator: FxiaokeEmulator): Promise<void> {
  await slack.waitFor(() => emulator.requestsTo(SEND).every((request) => request.status !== undefined));
}

function messageFor(emulator: FxiaokeEmulator, thirdTraceId: string): EmulatedMessage | undefined {
  return emulator.messages.find((message) => message.thirdTraceId === thirdTraceId);
}
