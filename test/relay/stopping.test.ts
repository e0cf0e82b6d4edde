/**
 * A stop closes the Fxiaoke rate limiter; a send still waiting for the budget then never goes out.
 * Its sender hears exactly that (fx-bridge is shutting down, nothing was sent), not "an unexpected
 * error". Real client, real in-process limiter, the emulator on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient } from '../../src/fxiaoke/client.js';
import { InProcessRateLimiter } from '../../src/fxiaoke/rate-limiter.js';
import { sendRelay } from '../../src/relay/carry-out.js';
import { relayDeps } from '../../src/relay/deps.js';
import { sendFailedText } from '../../src/slack/replies/results.js';
import { MemoryRelayStore } from '../../src/store/memory-store.js';
import { defaultTimings, RecordingLog, testSettings } from './relay-deps.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a send waiting for the Fxiaoke rate budget when fx-bridge stops', () => {
  it('is not sent, is recorded as failed for that reason, and its sender is told so', async () => {
    const emulator = await FxiaokeEmulator.start({});
    // One send per minute: the second send of the test has to wait for the budget.
    const limiter = new InProcessRateLimiter({ budget: { calls: 1, windowMs: 60_000 } });
    const client = new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator.url,
      ...CREDS,
      authMode: 'header',
      userId: '1000',
      rateLimiter: limiter,
    });
    cleanups.push(
      () => emulator.stop(),
      () => limiter.close(),
      () => client.close(),
    );
    const recipient = emulator.users[0]!.openUserId;
    await client.sendText([recipient], 'uses up the budget');
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);

    const store = new MemoryRelayStore();
    const deps = relayDeps({
      ...defaultTimings(),
      store,
      fxiaoke: client,
      settings: testSettings(),
      log: new RecordingLog(),
    });
    let queued: () => void = () => {};
    const waiting = new Promise<void>((resolve) => {
      queued = resolve;
    });
    const outcome = sendRelay(
      deps,
      {
        requestKey: 'command:T0TEST:trigger.stop',
        senderId: 'U0SENDER',
        senderName: 'bob',
        originChannelId: 'C0GENERAL',
        channelName: 'general',
        recipientsInput: [recipient],
        text: 'sent while stopping',
      },
      { onQueued: () => queued() },
    );
    await waiting; // the batch is queued for the budget: now the bridge stops
    await limiter.close();

    const result = await outcome;
    if (result.type !== 'finished') throw new Error(`expected a finished relay, got ${result.type}`);
    const record = result.record;
    expect(record.status).toBe('failed');
    expect(record.batches.map((batch) => batch.status)).toEqual(['failed']);
    expect(record.error?.kind).toBe('stopping');
    expect(record.error?.message).toContain('fx-bridge is shutting down');
    // Nothing of it reached Fxiaoke: still only the send that used up the budget.
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
    const answer = sendFailedText(record);
    expect(answer).toContain('fx-bridge is shutting down; nothing was sent. Try again in a moment.');
    expect(answer).not.toMatch(/unexpected error/);
    expect(answer).toContain(record.id);
  });
});
