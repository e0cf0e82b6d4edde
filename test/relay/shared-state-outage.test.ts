/**
 * The shared Fxiaoke rate budget and token live in Redis beside the relays (several replicas share
 * them). While that Redis is away a send cannot be paced, so nothing of it goes out: the relay
 * waits for Redis and then sends once, instead of failing an acked message as an "internal error"
 * (found by the Redis outage end-to-end test). Real parts: the client, the emulator on loopback,
 * the Redis rate limiter and token cache on a private redis-server killed and started again.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { type FxiaokeSharedState, openFxiaokeSharedState } from '../../src/redis/fxiaoke-shared-state.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import { relayDeps } from '../../src/relay/deps.js';
import { PrivateRedis } from '../redis-server.js';
import { testRelay } from './relay-deps.js';

const APP = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SEND = PATHS.send;

const server = await PrivateRedis.create('shared Fxiaoke state outage test');

describe.skipIf(!server)('a send while the shared rate budget and token (Redis) are away', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('waits for Redis and then sends once: not failed, not sent twice', async () => {
    const redis = server!;
    cleanups.push(() => redis.cleanup());
    const emulator = await FxiaokeEmulator.start({
      appSecret: APP.appSecret,
      permanentCode: APP.permanentCode,
    });
    cleanups.push(() => emulator.stop());
    const shared: FxiaokeSharedState = await openFxiaokeSharedState({
      storeUrl: redis.url,
      keyPrefix: 'fxb-shared-outage:',
      rateLimit: DEFAULTS.fxiaokeRateLimit,
      authMode: 'header',
      appId: APP.appId,
    });
    cleanups.push(() => shared.close());
    const client = new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator.url,
      ...APP,
      authMode: 'header',
      userId: '1000',
      rateLimiter: shared.rateLimiter,
      tokenCache: shared.tokenCache,
    });
    cleanups.push(() => client.close());
    const base = testRelay();
    const deps = relayDeps({ ...base.deps, fxiaoke: client, now: Date.now, newThirdTraceId: randomUUID });
    const [alice] = emulator.options.users;

    await redis.kill();
    const sending = sendRelay(deps, {
      requestKey: 'command:T0TEST:trigger.outage',
      senderId: 'U0SENDER',
      senderName: 'bob',
      originChannelId: 'C0GENERAL',
      channelName: 'general',
      recipientsInput: [alice!.openUserId],
      text: 'sent once Redis is back',
    });
    // It holds the call back (the warning comes on the third failed try), and nothing goes out.
    await expect
      .poll(
        () => base.log.messages('warn').some((line) => line.includes('waits for the shared rate budget')),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    expect(emulator.requestsTo(SEND)).toHaveLength(0);

    await redis.start();
    const outcome = await sending;
    expect(outcome.type).toBe('finished');
    const record = outcome.type === 'finished' ? outcome.record : undefined;
    expect([record?.status, record?.batches[0]?.error]).toEqual(['sent', undefined]);
    expect(
      emulator.messages.filter((message) => message.content.endsWith('sent once Redis is back')),
    ).toHaveLength(1);
    expect(emulator.requestsTo(SEND)).toHaveLength(1);
  }, 60_000);
});
