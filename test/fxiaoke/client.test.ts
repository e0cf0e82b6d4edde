import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CODE,
  type EmulatorOptions,
  FxiaokeEmulator,
  generateUsers,
  type MessageIdLocation,
  PATHS,
  type RecordedRequest,
} from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import {
  extractMessageId,
  FXIAOKE_PATHS,
  type FxiaokeCallEvent,
  FxiaokeClient,
  type FxiaokeClientOptions,
} from '../../src/fxiaoke/client.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import { envelopeSchema } from '../../src/fxiaoke/schemas.js';

type Json = Record<string, unknown>;

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SERVICE_ID = 'FSAID_svc0001';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const TRACE_ID = /^E-O\.emu\.\d+\.[0-9a-f]+$/;
const SECOND = 1000;

const emulators: FxiaokeEmulator[] = [];
const clients: FxiaokeClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
});

async function startEmulator(options: EmulatorOptions = {}): Promise<FxiaokeEmulator> {
  const emulator = await FxiaokeEmulator.start(options);
  emulators.push(emulator);
  return emulator;
}

interface Harness {
  client: FxiaokeClient;
  /** Every backoff the client asked for, in ms. */
  sleeps: number[];
  calls: FxiaokeCallEvent[];
  tokens: string[];
}

function makeClient(baseUrl: string, options: Partial<FxiaokeClientOptions> = {}): Harness {
  const sleeps: number[] = [];
  const calls: FxiaokeCallEvent[] = [];
  const tokens: string[] = [];
  const client = new FxiaokeClient({
    timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
    baseUrl,
    ...CREDS,
    authMode: 'header',
    userId: '1000',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onCall: (event) => calls.push(event),
    onToken: (token) => tokens.push(token),
    ...options,
  });
  clients.push(client);
  return { client, sleeps, calls, tokens };
}

/** A fake clock shared by the emulator and the client. */
function fakeClock(): { ms: number; now: () => number } {
  const clock = { ms: 1_700_000_000_000, now: () => clock.ms };
  return clock;
}

/** Awaits a promise that must reject with a FxiaokeError and returns it. */
async function fxError(promise: Promise<unknown>): Promise<FxiaokeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FxiaokeError) return error;
    throw error;
  }
  throw new Error('expected a FxiaokeError');
}

function bodyOf(request: RecordedRequest | undefined): Json {
  expect(request).toBeDefined();
  return request?.body as Json;
}

function bearerOf(request: RecordedRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' ? header.replace(/^Bearer /, '') : undefined;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

describe('FxiaokeClient: authentication on the wire', () => {
  it('header mode: Bearer token, x-fs-ea and x-fs-userid on every API call; a fresh thirdTraceId everywhere', async () => {
    const emulator = await startEmulator({ messageIdLocation: 'top' });
    const { client } = makeClient(emulator.url, { serviceId: SERVICE_ID });
    const to = [emulator.users[0]!.openUserId];

    const first = await client.sendText(to, 'one');
    const second = await client.sendText(to, 'two');
    await client.revoke(first.messageId!);

    expect(emulator.requests.map((r) => r.path)).toEqual([
      PATHS.token,
      PATHS.appSend,
      PATHS.appSend,
      PATHS.revoke,
    ]);
    const tokenRequest = emulator.requestsTo(PATHS.token)[0]!;
    expect(tokenRequest.body).toEqual({ ...CREDS, grantType: 'app_secret' });
    expect(tokenRequest.headers.authorization).toBeUndefined();
    const accessToken = (tokenRequest.response as Json).accessToken;
    expect(typeof accessToken).toBe('string');

    for (const request of emulator.requests.slice(1)) {
      expect(request.headers.authorization).toBe(`Bearer ${accessToken}`);
      expect(request.headers['x-fs-ea']).toBe('fs123');
      expect(request.headers['x-fs-userid']).toBe('1000');
      expect(request.headers['content-type']).toContain('application/json');
      expect(bodyOf(request)).not.toHaveProperty('corpAccessToken');
      expect((request.response as Json).errorCode).toBe(0);
    }
    const traceIds = emulator.requests.map((r) => r.query.thirdTraceId);
    for (const id of traceIds) expect(id).toMatch(UUID_V4);
    expect(new Set(traceIds).size).toBe(traceIds.length);
    // What the client reports is what went on the wire.
    expect(first.thirdTraceId).toBe(traceIds[1]);
    expect(second.thirdTraceId).toBe(traceIds[2]);
  });

  it('uses a caller-supplied thirdTraceId for the first attempt', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const thirdTraceId = '0b6f2c1e-8a3d-4f5e-9b7a-1c2d3e4f5a6b';
    const result = await client.sendText([emulator.users[0]!.openUserId], 'hi', { thirdTraceId });
    expect(result.thirdTraceId).toBe(thirdTraceId);
    expect(emulator.requestsTo(PATHS.send)[0]?.query.thirdTraceId).toBe(thirdTraceId);
    // The token call has its own.
    expect(emulator.requestsTo(PATHS.token)[0]?.query.thirdTraceId).not.toBe(thirdTraceId);
  });

  it('legacy mode: corpAccessToken and corpId in the body, no auth headers', async () => {
    const emulator = await startEmulator({ messageIdLocation: 'top' });
    const { client } = makeClient(emulator.url, {
      authMode: 'legacy',
      userId: undefined,
      serviceId: SERVICE_ID,
    });
    const to = [emulator.users[1]!.openUserId];
    const sent = await client.sendText(to, 'legacy hello');
    await client.revoke(sent.messageId!);

    const tokenRequest = emulator.requestsTo(PATHS.legacyToken)[0]!;
    expect(tokenRequest.body).toEqual(CREDS);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(0);
    const corpAccessToken = (tokenRequest.response as Json).corpAccessToken;

    const sendBody = bodyOf(emulator.requestsTo(PATHS.appSend)[0]);
    expect(sendBody).toEqual({
      corpAccessToken,
      corpId: 'FSCID_test',
      toUser: to,
      msgType: 'text',
      text: { content: 'legacy hello' },
      serviceId: SERVICE_ID,
    });
    const revokeBody = bodyOf(emulator.requestsTo(PATHS.revoke)[0]);
    expect(revokeBody).toEqual({
      corpAccessToken,
      corpId: 'FSCID_test',
      serviceId: SERVICE_ID,
      messageId: sent.messageId,
    });
    for (const request of emulator.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers['x-fs-ea']).toBeUndefined();
      expect(request.query.thirdTraceId).toMatch(UUID_V4);
    }
    expect(emulator.messages[0]?.revoked).toBe(true);
  });

  it('refuses header mode without a user id', () => {
    expect(
      () =>
        new FxiaokeClient({
          timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
          baseUrl: 'http://127.0.0.1:1',
          ...CREDS,
          authMode: 'header',
        }),
    ).toThrow(/FXIAOKE_USER_ID/);
  });
});

describe('FxiaokeClient: token lifetime', () => {
  it('reuses one token across calls', async () => {
    const emulator = await startEmulator();
    const { client, tokens } = makeClient(emulator.url);
    for (let i = 0; i < 10; i++) await client.sendText([emulator.users[0]!.openUserId], `message ${i}`);
    expect(emulator.tokenFetches()).toBe(1);
    expect(client.tokens.fetchCount).toBe(1);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(10);
    expect(new Set(emulator.requestsTo(PATHS.send).map(bearerOf))).toEqual(new Set(tokens));
    expect(tokens).toHaveLength(1);
  });

  it('single-flight: 20 concurrent first calls make exactly one token fetch', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.sendText([emulator.users[i % 5]!.openUserId], `m${i}`)),
    );
    expect(results).toHaveLength(20);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1);
    expect(emulator.tokenFetches()).toBe(1);
    expect(emulator.messages).toHaveLength(20);
  });

  it('checkCredentials fetches a token, then reuses it', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    await client.checkCredentials();
    await client.checkCredentials();
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1);
  });

  it('keeps the token until 6600 s, rotates after, and never sends on a token older than 7200 s', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now });
    const issuedAt = new Map<string, number>();
    const { client, tokens } = makeClient(emulator.url, {
      now: clock.now,
      onToken: (token) => {
        if (!issuedAt.has(token)) issuedAt.set(token, clock.ms);
        tokens.push(token);
      },
    });
    const to = [emulator.users[0]!.openUserId];
    const start = clock.ms;

    await client.sendText(to, 'at 0 s');
    clock.ms = start + 6500 * SECOND;
    await client.sendText(to, 'at 6500 s');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1);
    expect(emulator.tokensIssued()).toBe(1);

    clock.ms = start + 6700 * SECOND;
    await client.sendText(to, 'at 6700 s');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(emulator.tokensIssued()).toBe(2);
    const sends = emulator.requestsTo(PATHS.send);
    expect(bearerOf(sends[1]!)).toBe(tokens[0]);
    expect(bearerOf(sends[2]!)).toBe(tokens[1]);
    expect(tokens[1]).not.toBe(tokens[0]);

    // The new token is used until its own rotation window.
    clock.ms = start + 12_000 * SECOND;
    await client.sendText(to, 'at 12000 s');
    expect(emulator.tokensIssued()).toBe(2);

    // Long idle: the cached token is long dead, a new one is fetched first.
    clock.ms = start + 40_000 * SECOND;
    await client.sendText(to, 'at 40000 s');
    expect(emulator.tokensIssued()).toBe(3);

    const apiCalls = emulator.requests.filter((r) => r.path !== PATHS.token);
    expect(apiCalls).toHaveLength(5);
    for (const request of apiCalls) {
      const token = bearerOf(request)!;
      expect(issuedAt.has(token)).toBe(true);
      expect(request.at - issuedAt.get(token)!).toBeLessThanOrEqual(7200 * SECOND);
      expect((request.response as Json).errorCode).toBe(0);
    }
  });

  it('refreshes a token in its last 30 s before using it', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now });
    const { client, tokens } = makeClient(emulator.url, { now: clock.now });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    clock.ms += 7185 * SECOND;
    await client.sendText(to, 'second');
    expect(tokens).toHaveLength(2);
    expect(bearerOf(emulator.requestsTo(PATHS.send)[1]!)).toBe(tokens[1]);
  });

  it('in the rotation window a failed refresh falls back to the still-valid token', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now });
    const { client, tokens } = makeClient(emulator.url, { now: clock.now });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    clock.ms += 6700 * SECOND;
    emulator.addFault({ path: PATHS.token, fault: { type: 'error', errorCode: CODE.SYSTEM_BUSY } });
    await client.sendText(to, 'second');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(bearerOf(emulator.requestsTo(PATHS.send)[1]!)).toBe(tokens[0]);
  });

  it('past the safety margin a token that cannot be refreshed is not used: the call fails, nothing is sent', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now });
    const { client } = makeClient(emulator.url, { now: clock.now, retry: { maxRetries: 2 } });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    clock.ms += 7190 * SECOND;
    emulator.addFault({
      path: PATHS.token,
      fault: { type: 'error', errorCode: CODE.SYSTEM_BUSY },
      times: Infinity,
    });
    const error = await fxError(client.sendText(to, 'second'));
    expect(error.kind).toBe('transient');
    expect(error.path).toBe(PATHS.token);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1 + 3);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
  });

  it('20016 on a call: drops the token, fetches again and retries once', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode: CODE.TOKEN_INVALID } });
    const result = await client.sendText([emulator.users[0]!.openUserId], 'hello');
    expect(result.traceId).toMatch(TRACE_ID);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(2);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(emulator.messages).toHaveLength(1);
    expect(sleeps).toEqual([]);
    const [first, second] = emulator.requestsTo(PATHS.send);
    expect(first?.query.thirdTraceId).not.toBe(second?.query.thirdTraceId);
    expect(result.thirdTraceId).toBe(second?.query.thirdTraceId);
  });

  it('a token really expired upstream: the refresh gets a new token and the call succeeds', async () => {
    const emulator = await startEmulator();
    const { client, tokens } = makeClient(emulator.url);
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    emulator.expireAllTokens();
    await client.sendText(to, 'second');
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(tokens[0]);
    const sends = emulator.requestsTo(PATHS.send);
    expect(sends.map((r) => (r.response as Json).errorCode)).toEqual([0, CODE.TOKEN_INVALID, 0]);
    expect(bearerOf(sends[2]!)).toBe(tokens[1]);
  });

  it('20 concurrent calls on an expired token share one refresh', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    await client.checkCredentials();
    emulator.expireAllTokens();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.sendText([emulator.users[i % 5]!.openUserId], `m${i}`)),
    );
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(emulator.tokensIssued()).toBe(2);
    expect(emulator.messages).toHaveLength(20);
  });

  it('20016 twice in a row: fails with kind token after one refresh (no loop)', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({
      path: PATHS.send,
      fault: { type: 'error', errorCode: CODE.TOKEN_INVALID },
      times: Infinity,
    });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('token');
    expect(error.errorCode).toBe(20016);
    expect(error.traceId).toMatch(TRACE_ID);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(2);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('a wrong app secret (10006, as seen live) is a configuration error naming the setting, not retried', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url, { appSecret: 'not-the-secret' });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('config');
    expect(error.errorCode).toBe(10006);
    expect(error.path).toBe(PATHS.token);
    expect(error.message).toContain('FXIAOKE_APP_SECRET');
    expect(error.traceId).toMatch(TRACE_ID);
    expect(error.message).not.toContain('not-the-secret');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(1);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(0);
    expect(sleeps).toEqual([]);

    const check = await fxError(client.checkCredentials());
    expect(check.kind).toBe('config');
  });

  it('a wrong app id (20006) names FXIAOKE_APP_ID', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url, { appId: 'FSAID_wrong' });
    const error = await fxError(client.checkCredentials());
    expect(error.kind).toBe('config');
    expect(error.errorCode).toBe(20006);
    expect(error.message).toContain('FXIAOKE_APP_ID');
  });

  it('a wrong permanent code names FXIAOKE_PERMANENT_CODE', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url, { permanentCode: 'wrong-code' });
    const error = await fxError(client.checkCredentials());
    expect(error.kind).toBe('config');
    expect(error.errorCode).toBe(20015);
    expect(error.message).toContain('FXIAOKE_PERMANENT_CODE');
  });

  it('a busy token endpoint is retried', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.token, fault: { type: 'error', errorCode: CODE.SYSTEM_BUSY } });
    await client.sendText([emulator.users[0]!.openUserId], 'hello');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('onToken receives each token issued', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now });
    const { client, tokens } = makeClient(emulator.url, { now: clock.now });
    await client.checkCredentials();
    clock.ms += 6700 * SECOND;
    await client.checkCredentials();
    const issued = emulator.requestsTo(PATHS.token).map((r) => (r.response as Json).accessToken);
    expect(tokens).toEqual(issued);
    expect(new Set(tokens).size).toBe(2);
  });
});

describe('FxiaokeClient: retries on Fxiaoke answers', () => {
  it.each([
    ['-1 (busy)', CODE.SYSTEM_BUSY, 'transient'],
    ['30004 (frequency)', CODE.FREQUENCY_EXCEEDED, 'rate_limited'],
  ] as const)('%s is retried up to maxRetries, then fails', async (_label, errorCode, kind) => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url, { retry: { maxRetries: 2 } });
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode }, times: Infinity });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe(kind);
    expect(error.errorCode).toBe(errorCode);
    expect(error.traceId).toMatch(TRACE_ID);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    for (const ms of sleeps) expect(ms).toBeGreaterThan(0);
  });

  it('a busy answer followed by success succeeds, with a fresh thirdTraceId on the retry', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode: -2 } });
    const result = await client.sendText([emulator.users[0]!.openUserId], 'hello');
    const sends = emulator.requestsTo(PATHS.send);
    expect(sends).toHaveLength(2);
    expect(sends[0]?.query.thirdTraceId).not.toBe(sends[1]?.query.thirdTraceId);
    expect(result.thirdTraceId).toBe(sends[1]?.query.thirdTraceId);
    expect(emulator.messages).toHaveLength(1);
    expect(sleeps).toHaveLength(1);
  });

  it('rate limited: backs off (larger base) until the window lets the call through', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now, rateLimit: { calls: 1, windowMs: 1500 } });
    const { client, sleeps } = makeClient(emulator.url, {
      now: clock.now,
      random: () => 1,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.ms += ms;
      },
    });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    await client.sendText(to, 'second');
    // 30004 at 0 ms, wait 1000; 30004 at 1000 ms (window 1500), wait 2000; through at 3000 ms.
    expect(sleeps).toEqual([1000, 2000]);
    expect(emulator.requestsTo(PATHS.send).map((r) => (r.response as Json).errorCode)).toEqual([
      0,
      CODE.FREQUENCY_EXCEEDED,
      CODE.FREQUENCY_EXCEEDED,
      0,
    ]);
    expect(emulator.messages).toHaveLength(2);
  });

  it('30002 (daily quota) is not retried', async () => {
    const emulator = await startEmulator({ dailyQuota: 1 });
    const { client, sleeps } = makeClient(emulator.url);
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    const error = await fxError(client.sendText(to, 'second'));
    expect(error.kind).toBe('quota');
    expect(error.errorCode).toBe(30002);
    expect(error.retryable).toBe(false);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('20012 (unknown recipient) is not retried: kind recipient, with the traceId', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    const unknown = `FSUID_${'F'.repeat(32)}`;
    const error = await fxError(client.sendText([unknown], 'hello'));
    expect(error.kind).toBe('recipient');
    expect(error.errorCode).toBe(20012);
    const sends = emulator.requestsTo(PATHS.send);
    expect(sends).toHaveLength(1);
    expect(error.traceId).toMatch(TRACE_ID);
    expect(error.traceId).toBe((sends[0]!.response as Json).traceId);
    expect(error.thirdTraceId).toBe(sends[0]?.query.thirdTraceId);
    expect(error.upstreamMessage).toContain(unknown);
    expect(error.message).toContain(error.traceId!);
    expect(sleeps).toEqual([]);
  });

  it('30027 (stopped employee) is a recipient error', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const stopped = emulator.users.find((u) => u.isStop)!;
    const error = await fxError(client.sendText([stopped.openUserId], 'hello'));
    expect(error.kind).toBe('recipient');
    expect(error.errorCode).toBe(30027);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
  });
});

describe('FxiaokeClient: transport failures', () => {
  it('HTTP 502 from a gateway is retried for sends (the call was not passed on)', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'http', status: 502 } });
    const result = await client.sendText([emulator.users[0]!.openUserId], 'hello');
    expect(result.traceId).toMatch(TRACE_ID);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(2);
    expect(emulator.messages).toHaveLength(1);
    expect(sleeps).toHaveLength(1);
  });

  it('HTTP 504 is not retried for sends: the message may have been delivered', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'http', status: 504 } });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('transport');
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(error.message).toContain('HTTP 504');
    expect(error.errorCode).toBeUndefined();
    expect(error.thirdTraceId).toBe(emulator.requestsTo(PATHS.send)[0]?.query.thirdTraceId);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a non-JSON answer is a transport error, not retried for sends', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'non-json' } });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('transport');
    expect(error.message).toContain('not JSON');
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
  });

  it('a timeout is a transport error and the send is NOT repeated', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url, { timeoutMs: 200 });
    await client.checkCredentials();
    emulator.addFault({ path: PATHS.send, fault: { type: 'timeout' } });
    // The fault never answers: only the client's own 200 ms deadline ends this call.
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('transport');
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(error.message).toContain('did not answer within 200 ms');
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a connection reset is not retried for sends', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'reset' } });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('transport');
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a lost response (delivered, then reset) does not deliver twice', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.send, fault: { type: 'accept-then-reset' } });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
  });

  it('connection refused is retried (nothing was sent), then fails with mayHaveBeenDelivered false', async () => {
    const port = await closedPort();
    const { client, sleeps } = makeClient(`http://127.0.0.1:${port}`, { retry: { maxRetries: 2 } });
    const error = await fxError(client.sendText([`FSUID_${'A'.repeat(32)}`], 'hello'));
    expect(error.kind).toBe('transport');
    expect(error.mayHaveBeenDelivered).toBe(false);
    expect(error.message).toContain('ECONNREFUSED');
    // The token call is the first to fail: 1 attempt + 2 retries.
    expect(client.tokens.fetchCount).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('connection refused on the send itself is retried too', async () => {
    const emulator = await startEmulator();
    const { client, calls, sleeps } = makeClient(emulator.url, { retry: { maxRetries: 2 } });
    await client.checkCredentials();
    await emulator.stop();
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.kind).toBe('transport');
    expect(error.mayHaveBeenDelivered).toBe(false);
    expect(error.path).toBe(PATHS.send);
    expect(calls.filter((c) => c.path === PATHS.send).map((c) => c.outcome)).toEqual([
      'transport',
      'transport',
      'transport',
    ]);
    expect(sleeps).toHaveLength(2);
  });
});

describe('FxiaokeClient: sendText and revoke', () => {
  it('rejects more than 500 (or zero) recipients before any call', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const many = Array.from({ length: 501 }, (_, i) => String(1000 + i));
    await expect(client.sendText(many, 'hello')).rejects.toThrow(RangeError);
    await expect(client.sendText([], 'hello')).rejects.toThrow(RangeError);
    expect(emulator.requests).toHaveLength(0);
  });

  it('accepts exactly 500 recipients in one call', async () => {
    const users = generateUsers(500);
    const emulator = await startEmulator({ users });
    const { client } = makeClient(emulator.url);
    await client.sendText(
      users.map((u) => u.openUserId),
      'to everyone',
    );
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.messages[0]?.toUser).toHaveLength(500);
  });

  it('without a service id: /cgi/message/send, no serviceId, no message id, not revocable', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const to = [emulator.users[0]!.openUserId, emulator.users[1]!.openUserId];
    const result = await client.sendText(to, 'line one\nline two');
    expect(emulator.requests.map((r) => r.path)).toEqual([PATHS.token, FXIAOKE_PATHS.send]);
    expect(bodyOf(emulator.requestsTo(PATHS.send)[0])).toEqual({
      toUser: to,
      msgType: 'text',
      text: { content: 'line one\nline two' },
      convertUserId: true,
    });
    expect(result).toEqual({
      traceId: (emulator.requestsTo(PATHS.send)[0]!.response as Json).traceId,
      thirdTraceId: emulator.requestsTo(PATHS.send)[0]?.query.thirdTraceId,
      messageId: undefined,
      messageIdSource: 'none',
    });
    expect(client.serviceId).toBeUndefined();
    await expect(client.revoke('anything')).rejects.toThrow(/FXIAOKE_SERVICE_ID/);
    expect(emulator.requestsTo(PATHS.revoke)).toHaveLength(0);
  });

  it('with a service id: /cgi/app/message/send with serviceId, and the message id comes back', async () => {
    const emulator = await startEmulator({ messageIdLocation: 'top' });
    const { client } = makeClient(emulator.url, { serviceId: SERVICE_ID });
    const to = [emulator.users[2]!.openUserId];
    const result = await client.sendText(to, 'revocable');
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(0);
    expect(bodyOf(emulator.requestsTo(PATHS.appSend)[0])).toEqual({
      toUser: to,
      msgType: 'text',
      text: { content: 'revocable' },
      convertUserId: true,
      serviceId: SERVICE_ID,
    });
    expect(result.messageId).toBe(emulator.messages[0]?.messageId);
    expect(result.messageIdSource).toBe('top');
    expect(result.traceId).toBe(emulator.messages[0]?.traceId);
  });

  it.each([
    ['top', 'top'],
    ['data', 'data'],
    ['top-number', 'top'],
    ['data-number', 'data'],
    ['none', 'none'],
  ] as const)('message id location %s → source %s', async (location: MessageIdLocation, source) => {
    const emulator = await startEmulator({ messageIdLocation: location });
    const { client } = makeClient(emulator.url, { serviceId: SERVICE_ID });
    const result = await client.sendText([emulator.users[0]!.openUserId], 'hello');
    expect(result.messageIdSource).toBe(source);
    expect(result.messageId).toBe(source === 'none' ? undefined : emulator.messages[0]?.messageId);
  });

  it('revoke sends {serviceId, messageId} and the message is revoked', async () => {
    const emulator = await startEmulator({ messageIdLocation: 'data-number' });
    const { client } = makeClient(emulator.url, { serviceId: SERVICE_ID });
    const sent = await client.sendText([emulator.users[0]!.openUserId], 'to be revoked');
    const revoked = await client.revoke(sent.messageId!);
    const request = emulator.requestsTo(PATHS.revoke)[0];
    expect(bodyOf(request)).toEqual({ serviceId: SERVICE_ID, messageId: sent.messageId });
    expect(revoked.traceId).toBe((request!.response as Json).traceId);
    expect(revoked.thirdTraceId).toBe(request?.query.thirdTraceId);
    expect(emulator.messages[0]?.revoked).toBe(true);
  });

  it('a refused revoke reports the code and traceId, not retried', async () => {
    const emulator = await startEmulator();
    const { client, sleeps } = makeClient(emulator.url, { serviceId: SERVICE_ID });
    const error = await fxError(client.revoke('no-such-message'));
    expect(error.errorCode).toBe(CODE.MESSAGE_NOT_FOUND);
    expect(error.kind).toBe('unknown');
    expect(error.path).toBe(PATHS.revoke);
    expect(error.message).toContain(String(CODE.MESSAGE_NOT_FOUND));
    expect(error.message).toContain(error.traceId!);
    expect(emulator.requestsTo(PATHS.revoke)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('an empty message is an empty_content error', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], '   '));
    expect(error.kind).toBe('empty_content');
    expect(error.errorCode).toBe(12005);
  });
});

describe('FxiaokeClient: credentials echoed in errorMessage', () => {
  it('cuts the app secret, permanent code and token out of an API call’s upstream message', async () => {
    const emulator = await startEmulator();
    const { client, tokens } = makeClient(emulator.url);
    await client.checkCredentials();
    const echo = `bad request appSecret=${CREDS.appSecret} code=${CREDS.permanentCode} token=${tokens[0]}`;
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode: 40001, errorMessage: echo } });
    const error = await fxError(client.sendText([emulator.users[0]!.openUserId], 'hello'));
    expect(error.upstreamMessage).toBe('bad request appSecret=[REDACTED] code=[REDACTED] token=[REDACTED]');
    expect(error.message).not.toContain(CREDS.appSecret);
  });

  // BUG (src/fxiaoke/token-manager.ts, fetchToken, `upstreamMessage: envelope.errorMessage`): the
  // redaction added to FxiaokeClient.attempt (client.ts `redact`) is not applied to token-call errors,
  // and the token call is exactly the one whose body carries appSecret and permanentCode. A gateway
  // echoing them on /oauth2.0/token puts both, verbatim, in FxiaokeError.upstreamMessage.
  // Expected: no secret in upstreamMessage. Actual: 'echo appSecret=test-app-secret …'.
  it('cuts the app secret out of a token call’s upstream message too', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    const echo = `echo appSecret=${CREDS.appSecret} permanentCode=${CREDS.permanentCode}`;
    emulator.addFault({ path: PATHS.token, fault: { type: 'error', errorCode: 20006, errorMessage: echo } });
    const error = await fxError(client.checkCredentials());
    expect(error.upstreamMessage).not.toContain(CREDS.appSecret);
    expect(error.upstreamMessage).not.toContain(CREDS.permanentCode);
  });
});

describe('FxiaokeClient: onCall', () => {
  it('reports path, errorCode, traceId and outcome for every API call', async () => {
    const emulator = await startEmulator();
    const { client, calls } = makeClient(emulator.url);
    const to = [emulator.users[0]!.openUserId];
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode: CODE.SYSTEM_BUSY } });
    await client.sendText(to, 'busy then ok');
    await fxError(client.sendText([`FSUID_${'E'.repeat(32)}`], 'unknown recipient'));
    emulator.addFault({ path: PATHS.send, fault: { type: 'http', status: 504 } });
    await fxError(client.sendText(to, 'gateway timeout'));

    expect(calls.map(({ path, errorCode, outcome }) => ({ path, errorCode, outcome }))).toEqual([
      { path: '/oauth2.0/token', errorCode: 0, outcome: 'ok' }, // token calls are observed too
      { path: PATHS.send, errorCode: -1, outcome: 'error' },
      { path: PATHS.send, errorCode: 0, outcome: 'ok' },
      { path: PATHS.send, errorCode: 20012, outcome: 'error' },
      { path: PATHS.send, errorCode: undefined, outcome: 'transport' },
    ]);
    const answered = emulator.requestsTo(PATHS.send).slice(0, 3);
    expect(calls.slice(1, 4).map((c) => c.traceId)).toEqual(
      answered.map((r) => (r.response as Json).traceId),
    );
    expect(calls[4]?.traceId).toBeUndefined();
    for (const call of calls) expect(call.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('extractMessageId', () => {
  function extract(raw: string) {
    return extractMessageId(envelopeSchema.parse(JSON.parse(raw)), raw);
  }

  it.each([
    ['{"errorCode":0,"messageId":"msg-1"}', 'msg-1', 'top'],
    ['{"errorCode":0,"data":{"messageId":"msg-2"}}', 'msg-2', 'data'],
    ['{"errorCode":0,"messageId":42}', '42', 'top'],
    ['{"errorCode":0,"data":{"messageId":880000000001}}', '880000000001', 'data'],
    ['{"errorCode":0,"messageId":"top-wins","data":{"messageId":"data-loses"}}', 'top-wins', 'top'],
    ['{"errorCode":0,"messageId":null,"data":{"messageId":"from-data"}}', 'from-data', 'data'],
  ] as const)('%s → %s from %s', (raw, messageId, source) => {
    expect(extract(raw)).toEqual({ messageId, messageIdSource: source });
  });

  it.each([
    '{"errorCode":0}',
    '{"errorCode":0,"messageId":null}',
    '{"errorCode":0,"data":null}',
    '{"errorCode":0,"data":{}}',
  ])('%s → none', (raw) => {
    expect(extract(raw)).toEqual({ messageId: undefined, messageIdSource: 'none' });
  });

  it('keeps a numeric id beyond 2^53 exact, at the top level', () => {
    const raw = '{"errorCode":0,"messageId":12345678901234567890}';
    expect(String(JSON.parse(raw).messageId)).not.toBe('12345678901234567890');
    expect(extract(raw)).toEqual({ messageId: '12345678901234567890', messageIdSource: 'top' });
  });

  it('keeps a numeric id beyond 2^53 exact, under data (with spaces in the JSON)', () => {
    const raw = '{ "errorCode": 0, "traceId": "E-O.1", "data": { "messageId" : 98765432109876543210 } }';
    expect(extract(raw)).toEqual({ messageId: '98765432109876543210', messageIdSource: 'data' });
  });

  // BUG (src/fxiaoke/client.ts, rawNumericMessageId, lines 243-247): the `data` pattern
  // /"data"\s*:\s*\{[^}]*?"messageId".../ cannot cross a nested object, so when `data` holds an object
  // before `messageId` the raw lookup fails and the code falls back to String(value), which has lost
  // precision. Expected '12345678901234567890'; actual '12345678901234567000'.
  it('keeps a big numeric id under data exact when data holds a nested object first', () => {
    const raw = '{"errorCode":0,"data":{"receipt":{"count":1},"messageId":12345678901234567890}}';
    expect(extract(raw).messageId).toBe('12345678901234567890');
  });

  // BUG (src/fxiaoke/client.ts, extractMessageId line 227 + schemas.ts appSendSchema): one field of
  // an unexpected shape fails the whole schema, so a usable id elsewhere is ignored. With a top-level
  // messageId and `"data": "ok"` (or an array), the result is {messageId: undefined, source: 'none'}:
  // the relay is marked "not revocable" although Fxiaoke gave an id. Expected 'msg-1' from 'top'.
  it('finds a top-level id even when data is not an object', () => {
    const raw = '{"errorCode":0,"messageId":"msg-1","data":"ok"}';
    expect(extract(raw)).toEqual({ messageId: 'msg-1', messageIdSource: 'top' });
  });
});

describe('FxiaokeClient: token-call failures during a send', () => {
  it('retries a token fetch whose answer was lost, since the send itself never went out', async () => {
    const emulator = await startEmulator();
    const { client } = makeClient(emulator.url);
    emulator.addFault({ path: PATHS.token, fault: { type: 'http', status: 504 } });
    await client.sendText([emulator.users[0]!.openUserId], 'after a token 504');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
    expect(emulator.messages).toHaveLength(1);
  });

  it('keeps the current token for a minute after a failed rotation instead of retrying on every call', async () => {
    const clock = fakeClock();
    const emulator = await startEmulator({ now: clock.now });
    const { client } = makeClient(emulator.url, { now: clock.now, retry: { maxRetries: 0 } });
    const to = [emulator.users[0]!.openUserId];
    await client.sendText(to, 'first');
    clock.ms += 6700 * SECOND; // inside the rotation window, still valid
    emulator.addFault({ path: PATHS.token, fault: { type: 'error', errorCode: -1 } });
    await client.sendText(to, 'rotation fails, old token used');
    await client.sendText(to, 'no second rotation attempt yet');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
    clock.ms += 61 * SECOND;
    await client.sendText(to, 'rotation tried again');
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(3);
    expect(emulator.messages).toHaveLength(4);
  });
});
