/**
 * Redis stopped in the middle of a burst and started again (a private redis-server with
 * append-only persistence, never the shared one): nothing acked vanishes, nothing that reached
 * Fxiaoke stays unrevocable, nothing is sent twice, and whatever could not be recorded was
 * answered "nothing was taken" in the ack itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { FakeSlackApi } from '../../dev/fakes/slack-api.js';
import {
  blockActionPayload,
  CHANNEL_ID,
  type SignedPostResult,
  sendInteraction,
  sendSlashCommand,
  TEST_SIGNING_SECRET,
} from '../../dev/fakes/slack-requests.js';
import { openRedisStore, type RedisRelayStore } from '../../src/redis/relay-store.js';
import { RELAY_STATUSES, type RelayRecord } from '../../src/relay/types.js';
import { PrivateRedis } from '../redis-server.js';
import { APP_SECRET, PERMANENT_CODE, SERVICE_ID } from './harness.js';
import { BridgeProcesses, bridgeEnv, freePort } from './process-helpers.js';

const SEND = '/cgi/app/message/send';
const PREFIX = 'fxb-outage:';
const NOT_TAKEN = 'nothing was taken';
/** The bridge's warning while a relay store write waits for the store (relay/persistently.ts). */
const HOLDING_BACK = 'relay store write failed; holding it back and retrying';

const server = await PrivateRedis.create('Redis outage e2e test');

describe.skipIf(!server)('Redis stopped mid-burst and started again (a private redis-server)', () => {
  const children = new BridgeProcesses();
  let emulator: FxiaokeEmulator | undefined;
  let slack: FakeSlackApi | undefined;
  let store: RedisRelayStore | undefined;

  afterEach(async () => {
    await children.killAll();
    await store?.close().catch(() => undefined);
    await emulator?.stop();
    await slack?.stop();
    await server?.cleanup();
  });

  it('keeps every acked command and every link to Fxiaoke, and sends nothing twice', async () => {
    const redis = server!;
    emulator = await FxiaokeEmulator.start({
      appSecret: APP_SECRET,
      permanentCode: PERMANENT_CODE,
      serviceIds: [SERVICE_ID],
      messageIdLocation: 'top',
    });
    // Slow enough that sends are in flight when Redis goes away.
    emulator.addFault({ fault: { type: 'latency', ms: 150 }, path: SEND, times: Number.POSITIVE_INFINITY });
    slack = await FakeSlackApi.start();
    const port = await freePort();
    const env = bridgeEnv({
      emulator,
      slack,
      port,
      storeUrl: redis.url,
      extra: { REDIS_KEY_PREFIX: PREFIX, LEASE_SECONDS: '3' },
    });
    const bridge = children.start(['src/main.ts'], env);
    const baseUrl = `http://127.0.0.1:${port}`;
    await bridge.healthy(baseUrl);
    const [alice] = emulator.options.users;

    const sent: { text: string; ack: SignedPostResult }[] = [];
    const send = async (n: number) => {
      const text = `burst message ${n}`;
      const ack = await sendSlashCommand(`${baseUrl}/slack/events`, TEST_SIGNING_SECRET, {
        text: `${alice!.openUserId} ${text}`,
        response_url: slack!.responseUrl(),
      });
      sent.push({ text, ack });
    };
    const before = Array.from({ length: 12 }, (_, n) => send(n));
    // Some sends reached Fxiaoke, others are under way: now Redis goes away.
    await expect.poll(() => emulator!.requestsTo(SEND).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    await redis.kill();
    const during = Array.from({ length: 6 }, (_, n) => send(100 + n));
    await Promise.all([...before, ...during]);
    // Redis stays away until Fxiaoke has answered every send that reached it and the bridge is
    // holding back a write it could not make (polled: a busy machine takes longer, not less).
    await expect
      .poll(
        () => ({
          unanswered: emulator!.requestsTo(SEND).filter((request) => request.status === undefined).length,
          holding: bridge.output.includes(HOLDING_BACK),
        }),
        { timeout: 30_000 },
      )
      .toEqual({ unanswered: 0, holding: true });
    const restartedAt = Date.now();
    await redis.start();

    store = await openRedisStore({ url: redis.url, keyPrefix: PREFIX });
    const storeOf = store;
    await expect
      .poll(() => storeOf.listByStatus(['received', 'pending', 'revoking'], 100), {
        message: 'every recorded relay settles',
        timeout: 40_000,
        interval: 50,
      })
      .toEqual([]);
    const relays = await store.listByStatus(RELAY_STATUSES, 200);
    const byText = new Map<string, RelayRecord>(relays.map((relay) => [relay.text, relay]));

    // Every command is answered 200 in time; those the store could not take were told so in the ack.
    for (const { text, ack } of sent) {
      expect(ack.status, text).toBe(200);
      const record = byText.get(text);
      if (ack.body.includes(NOT_TAKEN)) {
        // Told nothing was taken: nothing went out for it, whatever landed later.
        expect(
          emulator.messages.some((message) => message.content.endsWith(text)),
          text,
        ).toBe(false);
        if (record) expect([record.status, record.error?.kind], text).toEqual(['failed', 'abandoned']);
      } else {
        // Acked: on record and delivered, exactly once.
        expect(record, `acked but not recorded: ${text}`).toBeDefined();
        expect(
          emulator.messages.filter((message) => message.content.endsWith(text)),
          text,
        ).toHaveLength(1);
      }
    }
    expect(sent.some(({ ack }) => ack.body.includes(NOT_TAKEN))).toBe(true);
    expect(sent.some(({ ack }) => !ack.body.includes(NOT_TAKEN))).toBe(true);

    // The outage did cut through work under way: Fxiaoke accepted some batches while Redis was
    // down, and their records were written only once it was back (held back, not lost).
    const heldBack = relays.filter(
      (relay) =>
        relay.updatedAt >= restartedAt && relay.batches.some((batch) => (batch.sentAt ?? 0) < restartedAt),
    );
    expect(heldBack.length).toBeGreaterThan(0);

    // Every message Fxiaoke holds is linked to a batch with its message id: revocable.
    const batches = new Map(
      relays.flatMap((relay) => relay.batches.map((batch) => [batch.thirdTraceId, batch])),
    );
    for (const message of emulator.messages) {
      const batch = batches.get(message.thirdTraceId);
      expect(batch, `no batch for ${message.content}`).toBeDefined();
      expect([batch?.status, batch?.messageId]).toEqual(['sent', message.messageId]);
    }

    // And Revoke works for each of them, as usual.
    for (const relay of relays.filter((each) => each.status === 'sent')) {
      const responseUrl = slack.responseUrl();
      await sendInteraction(
        `${baseUrl}/slack/events`,
        TEST_SIGNING_SECRET,
        blockActionPayload({
          actionId: 'fx_revoke',
          value: relay.id,
          channelId: CHANNEL_ID,
          messageTs: relay.slack?.ts ?? '1.0',
          responseUrl,
        }),
      );
      await slack.waitFor(() => slack!.responsesTo(responseUrl).length > 0);
    }
    expect(emulator.messages.every((message) => message.revoked)).toBe(true);
  }, 120_000);
});
