/**
 * `beforeDispatch`: the client tells the caller the moment a call's first request is about to
 * leave — after the rate budget granted it and the token is in hand — and never while the call
 * still waits. Against the emulator, with the in-process limiter where the budget matters.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CODE, FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FxiaokeClient, type FxiaokeClientOptions } from '../../src/fxiaoke/client.js';
import { FxiaokeError, RateLimiterClosedError } from '../../src/fxiaoke/errors.js';
import { InProcessRateLimiter } from '../../src/fxiaoke/rate-limiter.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SERVICE_ID = 'FSAID_svc0001';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: Partial<FxiaokeClientOptions> = {}) {
  const emulator = await FxiaokeEmulator.start({ serviceIds: [SERVICE_ID] });
  const client = new FxiaokeClient({
    timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
    baseUrl: emulator.url,
    ...CREDS,
    authMode: 'header',
    userId: '1000',
    serviceId: SERVICE_ID,
    sleep: async () => {},
    ...options,
  });
  cleanups.push(
    () => emulator.stop(),
    () => client.close(),
  );
  const to = [emulator.users[0]!.openUserId];
  /** Sends: how many requests to the send path had arrived each time the hook ran. */
  const seen: number[] = [];
  const hook = async () => {
    seen.push(emulator.requestsTo(PATHS.appSend).length);
  };
  return { emulator, client, to, seen, hook };
}

describe('FxiaokeClient: beforeDispatch', () => {
  it('runs once, after the token was fetched and right before the request leaves', async () => {
    const { emulator, client, to } = await setUp();
    const moments: Array<{ tokens: number; sends: number }> = [];
    await client.sendText(to, 'hello', {
      beforeDispatch: async () => {
        moments.push({
          tokens: emulator.requestsTo(PATHS.token).length,
          sends: emulator.requestsTo(PATHS.appSend).length,
        });
      },
    });
    expect(moments).toEqual([{ tokens: 1, sends: 0 }]);
    expect(emulator.requestsTo(PATHS.appSend)).toHaveLength(1);
  });

  it('a call queued for the rate budget is dispatched only once granted, after the wait', async () => {
    const limiter = new InProcessRateLimiter({ budget: { calls: 1, windowMs: 300 } });
    cleanups.push(() => limiter.close());
    const { emulator, client, to } = await setUp({ rateLimiter: limiter });
    const events: string[] = [];
    await client.sendText(to, 'takes the slot');
    await client.sendText(to, 'waits for it', {
      onQueued: () => events.push('queued'),
      beforeDispatch: async () => {
        events.push(
          `dispatch: ${limiter.queueDepth()} waiting, ${emulator.requestsTo(PATHS.appSend).length} sent`,
        );
      },
    });
    // Told it is queued first; marked dispatched only after the grant, before its own request.
    expect(events).toEqual(['queued', 'dispatch: 0 waiting, 1 sent']);
    expect(emulator.messages).toHaveLength(2);
  });

  it('a call given up while it waits for the budget is never dispatched and sends nothing', async () => {
    const limiter = new InProcessRateLimiter({ budget: { calls: 1, windowMs: 600_000 } });
    const { emulator, client, to, seen, hook } = await setUp({ rateLimiter: limiter });
    await client.sendText(to, 'takes the slot');
    const waiting = client.sendText(to, 'waits', { beforeDispatch: hook });
    const outcome = waiting.catch((error: unknown) => error);
    await vi.waitFor(() => expect(limiter.queueDepth()).toBe(1));
    expect(seen).toEqual([]);
    await limiter.close();
    expect(await outcome).toBeInstanceOf(RateLimiterClosedError);
    expect(seen).toEqual([]);
    expect(emulator.requestsTo(PATHS.appSend)).toHaveLength(1);
  });

  it('runs once per call across a token refresh and a retry', async () => {
    const { emulator, client, to, seen, hook } = await setUp();
    emulator.addFault({ path: PATHS.appSend, fault: { type: 'error', errorCode: CODE.TOKEN_INVALID } });
    emulator.addFault({ path: PATHS.appSend, fault: { type: 'error', errorCode: -2 } });
    await client.sendText(to, 'hello', { beforeDispatch: hook });
    expect(emulator.requestsTo(PATHS.appSend)).toHaveLength(3);
    expect(seen).toEqual([0]);
  });

  it('a hook that throws stops the call: nothing is sent, its error comes back unchanged, no retry', async () => {
    const { emulator, client, to } = await setUp();
    const failure = new Error('the dispatch mark could not be written');
    const attempt = client.sendText(to, 'hello', {
      beforeDispatch: async () => {
        throw failure;
      },
    });
    await expect(attempt).rejects.toBe(failure);
    // Even an error the client would otherwise retry (a busy answer's) is not retried from a hook.
    const busy = new FxiaokeError({ path: PATHS.appSend, errorCode: -2 });
    let calls = 0;
    const again = client.sendText(to, 'hello', {
      beforeDispatch: async () => {
        calls++;
        throw busy;
      },
    });
    await expect(again).rejects.toBe(busy);
    expect(calls).toBe(1);
    expect(emulator.requestsTo(PATHS.appSend)).toEqual([]);
    expect(emulator.messages).toEqual([]);
  });

  it('cards and image messages are dispatched through the same hook', async () => {
    const { emulator, client, to, seen, hook } = await setUp();
    await client.sendComposite(
      to,
      {
        head: { title: 'bob in #general (Slack)' },
        link: { title: 'Open in Slack', url: 'https://x.example/' },
      },
      { beforeDispatch: hook },
    );
    const upload = await client.uploadMedia({
      bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      fileName: 'cat.png',
      contentType: 'image/png',
    });
    await client.sendArticles(
      to,
      [{ title: 'cat.png', coverImage: upload.mediaId, type: 'TEXT', content: 'hello' }],
      { beforeDispatch: hook },
    );
    expect(seen).toEqual([0, 1]);
    expect(emulator.messages.map((message) => message.msgType)).toEqual(['composite', 'articles']);
  });
});
