/**
 * With a Redis store the bridge paces Fxiaoke and keeps its token through Redis, under the store's
 * key prefix, and a restart (another replica, as far as Redis can tell) reuses that token.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  deleteKeysUnder,
  keysUnder,
  prefixes,
  REDIS_URL,
  redisAvailable,
} from '../redis-helpers.js';
import { Harness } from './harness.js';

const available = await redisAvailable('bridge on a Redis store (shared Fxiaoke state)');

describe.skipIf(!available)('shared Fxiaoke token and rate budget (real Redis)', () => {
  const keys = prefixes('e2e');
  let admin: Redis;
  let harness: Harness | undefined;

  beforeAll(() => {
    admin = connect();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await deleteKeysUnder(admin, keys.run);
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('stores the token and the send budget under REDIS_KEY_PREFIX; a restart fetches no new token', async () => {
    const prefix = keys.fresh();
    harness = await Harness.start({
      env: { STORE_URL: REDIS_URL, REDIS_KEY_PREFIX: prefix, FXIAOKE_RATE_LIMIT_CALLS: '50' },
    });
    const [alice] = harness.emulator.options.users;
    const before = harness.slack.messages.length;
    await harness.command(`${alice!.openUserId} hello through Redis`);
    const receipt = await harness.receiptAfter(before);
    expect((await harness.settledRelayFor(receipt)).status).toBe('sent');

    const stored = await keysUnder(admin, `${prefix}`);
    expect(stored).toContain(`${prefix}fxtoken:header:${harness.emulator.options.appId}`);
    expect(stored).toContain(`${prefix}rate:{/cgi/app/message/send}`);
    expect(stored).toContain(`${prefix}rate:{/oauth2.0/token}`);
    // The token itself never reaches a log line.
    const token = await admin.hget(`${prefix}fxtoken:header:${harness.emulator.options.appId}`, 'token');
    expect(token).toBeTruthy();
    expect(harness.logLines.join('\n')).not.toContain(token!);

    await harness.restart();
    const again = harness.slack.messages.length;
    await harness.command(`${alice!.openUserId} hello again`);
    await harness.settledRelayFor(await harness.receiptAfter(again));
    expect(harness.emulator.tokenFetches()).toBe(1);
    expect(harness.logLines.some((line) => line.includes('"source":"shared"'))).toBe(true);
  });
});
