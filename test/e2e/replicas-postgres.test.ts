/**
 * Two bridge processes on one PostgreSQL database and no Redis, as behind a load balancer: same
 * emulator, same fake Slack Web API, different ports, one STORE_URL. A relay sent through one is
 * revoked through the other; the same command delivered to both is sent once; the Fxiaoke token is
 * fetched once for both; the per-user send limit counts across both; and `kill -9` of a replica
 * during a fan-out or a burst leaves nothing `pending`: the other takes the work over once the
 * lease runs out, and nothing reaches Fxiaoke twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorUser, FxiaokeEmulator, generateUsers } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  blockActionPayload,
  CHANNEL_ID,
  freshTriggerId,
  postSigned,
  type SignedPostResult,
  sendInteraction,
  sendSlashCommand,
  slashCommandBody,
  TEAM_ID,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import { DEFAULTS } from '../../src/config.js';
import { openPostgresStore, type PostgresRelayStore } from '../../src/postgres/relay-store.js';
import { commandRequestKey } from '../../src/relay/ids.js';
import { INTERRUPTED } from '../../src/relay/takeover.js';
import { RELAY_STATUSES } from '../../src/relay/types.js';
import { postgresAvailable, TestDatabase } from '../postgres-helpers.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';
import {
  answers,
  eventually,
  fxiaokeCalls,
  messageFor,
  metric,
  REVOKE,
  type Replica,
  revokeByShortcut,
  SEND,
  settledAtEmulator,
  settledRelay,
  sleep,
  waitIdle,
} from './replica-kit.js';

const available = await postgresAvailable('two bridge replicas on one PostgreSQL (end-to-end)');

interface Cluster {
  emulator: FxiaokeEmulator;
  slack: FakeSlackApi;
  /** The database the replicas use, opened directly by the test. */
  store: PostgresRelayStore;
  a: Replica;
  b: Replica;
}

interface ClusterOptions {
  users?: EmulatorUser[];
  /** Latency of every send, so a kill finds batches under way. */
  sendLatencyMs?: number;
  fileConfig?: string;
}

describe.skipIf(!available)('bridge replicas on one PostgreSQL, no Redis', { timeout: 120_000 }, () => {
  const children = new BridgeProcesses();
  let db: TestDatabase;
  let emulator: FxiaokeEmulator | undefined;
  let slack: FakeSlackApi | undefined;
  let store: PostgresRelayStore | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    db = await TestDatabase.create('replicas');
  });
  afterEach(async () => {
    // Children first: nothing may write while the tables are emptied.
    await children.killAll();
    await store?.pool.query(
      'TRUNCATE fxb_relays, fxb_tokens, fxb_rate_grants, fxb_rate_state, fxb_send_slots',
    );
    await store?.close();
    await slack?.stop();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    store = undefined;
    slack = undefined;
    emulator = undefined;
    dir = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Emulator, fake Slack, the store, and replicas A and B started together on the database. */
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
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-replicas-pg-'));
    let configFile: string | undefined;
    if (options.fileConfig !== undefined) {
      configFile = join(dir, 'fx-bridge.yml');
      writeFileSync(configFile, options.fileConfig);
    }
    store = await openPostgresStore({ url: db.url, ...DEFAULTS.postgres, poolSize: 2 });
    const [portA, portB] = await Promise.all([freePort(), freePort()]);
    const replica = (name: string, port: number): Replica => {
      const env = bridgeEnv({
        emulator: emulator!,
        slack: slack!,
        port,
        configFile,
        storeUrl: db.url,
        // Short leases, so a live replica takes over a dead one's work within the test's patience.
        extra: { LEASE_SECONDS: '3', POSTGRES_POOL_SIZE: '4' },
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
    // Generous: two child processes starting on a busy machine.
    await Promise.all([a.process.healthy(a.baseUrl, 60_000), b.process.healthy(b.baseUrl, 60_000)]);
    return { emulator, slack, store, a, b };
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
    expect(record.batches[0]?.messageId).toBe(emulator.messages[0]!.messageId);

    const throughB = await revokeByShortcut(b, slack, receipt);
    expect((await answers(slack, throughB))[0]).toContain('Revoked relay');
    expect(emulator.messages[0]!.revoked).toBe(true);
    expect((await store.findById(record.id))?.status).toBe('revoked');

    const throughA = await revokeByShortcut(a, slack, receipt);
    expect((await answers(slack, throughA))[0]).toContain('already revoked');
    expect(emulator.requestsTo(REVOKE)).toHaveLength(1);
    expect([await fxiaokeCalls(a, SEND), await fxiaokeCalls(b, REVOKE)]).toEqual([1, 1]);
    expect([await fxiaokeCalls(a, REVOKE), await fxiaokeCalls(b, SEND)]).toEqual([0, 0]);
  });

  it('sends the same slash command delivered to both replicas at once exactly once, with one token for both', async () => {
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
    const acks = await Promise.all(
      [a, b].map((replica) => postSigned(replica.eventsUrl, body, { signingSecret: TEST_SIGNING_SECRET })),
    );
    expect(acks.map((ack) => ack.status)).toEqual([200, 200]);

    const answer = await slack.waitFor(() => slack.responsesTo(responseUrl)[0]);
    expect(String(answer.body.text)).toContain('already handled');
    const receipt = await slack.waitFor(() =>
      slack.messages.find((message) => message.channel === CHANNEL_ID),
    );
    const record = await settledRelay(store, receipt);
    expect(record.requestKey).toBe(commandRequestKey(TEAM_ID, triggerId));
    expect(record.status).toBe('sent');
    await Promise.all([waitIdle(a), waitIdle(b)]);
    expect(emulator.requestsTo(SEND)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.responsesTo(responseUrl)).toHaveLength(1);

    // Then each replica sends one of its own: still the one token, fetched by one of them.
    const [alice, bob] = emulator.options.users;
    await Promise.all(
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
    await eventually(async () => (await store.listByStatus(['sent'], 10)).length === 3);
    expect(emulator.tokenFetches()).toBe(1);
    const fetched = [
      await metric(a, 'fxbridge_fxiaoke_token_fetches_total'),
      await metric(b, 'fxbridge_fxiaoke_token_fetches_total'),
    ];
    expect(fetched.sort((x, y) => x - y)).toEqual([0, 1]);
    expect(`${a.process.output}\n${b.process.output}`).toContain('"source":"shared"');
  });

  it('counts the per-user send limit across both replicas', async () => {
    const { emulator, slack, store, a, b } = await cluster({
      fileConfig: 'limits:\n  sendsPerUserPerMinute: 2\n',
    });
    const to = emulator.options.users[0]!.openUserId;
    const send = (replica: Replica, text: string) => {
      const responseUrl = slack.responseUrl();
      return sendSlashCommand(replica.eventsUrl, TEST_SIGNING_SECRET, {
        text: `${to} ${text}`,
        response_url: responseUrl,
      }).then(() => responseUrl);
    };
    await send(a, 'one through A');
    await send(b, 'two through B');
    await eventually(async () => (await store.listByStatus(['sent'], 10)).length === 2);
    const third = await send(a, 'three through A');
    expect((await answers(slack, third))[0]).toContain('you have started 2 relays in the last minute');
    expect(emulator.messages).toHaveLength(2);
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
    const [interrupted] = await store.listByStatus(['pending'], 10);
    expect(interrupted?.batches.map((batch) => batch.status)).toEqual(['sent', 'pending', 'pending']);
    expect(interrupted?.lease?.owner).toBeDefined();

    // Once A's lease runs out, B (alive) takes it over.
    let record = interrupted!;
    await eventually(async () => {
      record = (await store.findById(interrupted!.id))!;
      return record.status !== 'pending';
    }, 20_000);
    // Batch 2 was dispatched when A died: never sent again. Batch 3 never was: B sent it, once.
    expect(record.status).toBe('partial');
    expect(record.batches.map((batch) => batch.status)).toEqual(['sent', 'unknown', 'sent']);
    expect(record.batches[1]?.error?.kind).toBe(INTERRUPTED);
    expect(await store.listByStatus(['received', 'pending', 'revoking'], 10)).toEqual([]);
    await eventually(
      async () => b.process.output.includes('told the sender about a recovered relay'),
      10_000,
    );

    await settledAtEmulator(slack, emulator);
    expect(emulator.messages.map((message) => message.thirdTraceId)).toEqual(
      record.batches.map((batch) => batch.thirdTraceId),
    );
    const throughB = await revokeByShortcut(b, slack, receipt);
    expect((await answers(slack, throughB))[0]).toContain(
      `Relay \`${record.id}\` could not be fully revoked`,
    );
    const confirmed = record.batches.filter((batch) => batch.messageId !== undefined);
    for (const batch of confirmed) expect(messageFor(emulator, batch.thirdTraceId)?.revoked).toBe(true);
    expect(emulator.requestsTo(REVOKE)).toHaveLength(confirmed.length);
  });

  it('leaves nothing pending after replica A is killed during a burst at both replicas; nothing is sent twice', async () => {
    const users = generateUsers(20);
    const { emulator, slack, store, a, b } = await cluster({ users, sendLatencyMs: 150 });
    // 20 relays, one recipient each, each from its own sender, every 25 ms, alternately to A and B.
    const burst = users.map((user, index) => ({
      replica: index % 2 === 0 ? a : b,
      senderId: `U0BURST${String(index).padStart(2, '0')}`,
      text: `${user.openUserId} burst message ${index}`,
    }));
    const sentToA = new Set(burst.filter((relay) => relay.replica === a).map((relay) => relay.senderId));
    const deliveries = burst.map((relay, index) =>
      sleep(index * 25).then(() =>
        sendSlashCommand(relay.replica.eventsUrl, TEST_SIGNING_SECRET, {
          text: relay.text,
          user_id: relay.senderId,
          user_name: relay.senderId.toLowerCase(),
          trigger_id: freshTriggerId(),
          response_url: slack.responseUrl(),
        }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      ),
    );

    // Kill A mid-burst: once it has finished a relay, while one of its sends is at Fxiaoke unanswered.
    await eventually(async () => {
      const unanswered = new Set(
        emulator
          .requestsTo(SEND)
          .filter((request) => request.status === undefined)
          .map((request) => request.query.thirdTraceId),
      );
      const ofA = (await store.listByStatus(['pending', 'sent'], 100)).filter((relay) =>
        sentToA.has(relay.senderId),
      );
      return (
        ofA.some((relay) => relay.status === 'sent') &&
        ofA.some((relay) => relay.batches.some((batch) => unanswered.has(batch.thirdTraceId)))
      );
    }, 10_000);
    expect((await a.process.kill('SIGKILL')).signal).toBe('SIGKILL');
    const results = await Promise.all(deliveries);
    burst.forEach((relay, index) => {
      if (relay.replica === b) expect((results[index] as SignedPostResult).status).toBe(200);
    });

    // A stays dead: B alone takes over what A left, once A's leases run out.
    await eventually(
      async () => (await store.listByStatus(['received', 'pending', 'revoking'], 100)).length === 0,
      20_000,
    );
    await waitIdle(b);
    await settledAtEmulator(slack, emulator);
    const relays = await store.listByStatus(RELAY_STATUSES, 100);
    expect(relays.filter((relay) => !sentToA.has(relay.senderId)).map((relay) => relay.status)).toEqual(
      Array.from({ length: 10 }, () => 'sent'),
    );

    // Against the store: every send Fxiaoke accepted belongs to one recorded batch, and no batch
    // reached Fxiaoke twice. A batch under way when A died is `unknown`; all others carry the id.
    const batches = new Map(
      relays.flatMap((relay) =>
        relay.batches.map((batch) => [batch.thirdTraceId, { relay, batch }] as const),
      ),
    );
    const thirdTraceIds = emulator.messages.map((message) => message.thirdTraceId);
    expect(new Set(thirdTraceIds).size).toBe(thirdTraceIds.length);
    let unconfirmed = 0;
    for (const message of emulator.messages) {
      const found = batches.get(message.thirdTraceId);
      expect(found, `no relay recorded for the send ${message.thirdTraceId}`).toBeDefined();
      if (found!.batch.messageId === undefined) {
        unconfirmed += 1;
        expect(sentToA.has(found!.relay.senderId)).toBe(true);
        expect([found!.batch.status, found!.batch.error?.kind]).toEqual(['unknown', INTERRUPTED]);
      } else {
        expect([found!.batch.status, found!.batch.messageId]).toEqual(['sent', message.messageId]);
      }
    }
    expect(unconfirmed).toBeGreaterThan(0);
    // Each relayed text reached Fxiaoke at most once.
    for (const relay of burst) {
      const text = relay.text.slice(relay.text.indexOf(' ') + 1);
      expect(
        emulator.messages.filter((message) => message.content.endsWith(text)).length,
        text,
      ).toBeLessThanOrEqual(1);
    }
    // Every sender of an interrupted relay is told, in a direct message (by B).
    for (const relay of relays.filter((each) =>
      each.batches.some((batch) => batch.error?.kind === INTERRUPTED),
    )) {
      const dm = await slack.waitFor(() =>
        slack
          .callsTo('chat.postMessage')
          .find((call) => call.body.channel === relay.senderId && String(call.body.text).includes(relay.id)),
      );
      expect(String(dm.body.text)).toContain('fx-bridge was interrupted during relay');
    }

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
  });
});
