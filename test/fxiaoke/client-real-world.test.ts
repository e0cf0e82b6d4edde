/**
 * Issue 12, "Fxiaoke as it really is": the client against the strict emulator on what public
 * clients and the live gateway show — convertUserId in header mode, 50009 after delivery, the
 * gateway's 401 / 403 / 429, and every earlier token cut out of what Fxiaoke echoes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CODE, type EmulatorOptions, FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FXIAOKE_PATHS, FxiaokeClient, type FxiaokeClientOptions } from '../../src/fxiaoke/client.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import { InProcessRateLimiter } from '../../src/fxiaoke/rate-limiter.js';

type Json = Record<string, unknown>;

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SERVICE_ID = 'FSAID_svc0001';

const emulators: FxiaokeEmulator[] = [];
const clients: FxiaokeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
});

async function setup(
  emulatorOptions: EmulatorOptions = {},
  clientOptions: Partial<FxiaokeClientOptions> = {},
): Promise<{ emulator: FxiaokeEmulator; client: FxiaokeClient; sleeps: number[] }> {
  const emulator = await FxiaokeEmulator.start(emulatorOptions);
  emulators.push(emulator);
  const sleeps: number[] = [];
  const client = new FxiaokeClient({
    timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
    baseUrl: emulator.url,
    ...CREDS,
    authMode: 'header',
    userId: '1000',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...clientOptions,
  });
  clients.push(client);
  return { emulator, client, sleeps };
}

async function fxError(promise: Promise<unknown>): Promise<FxiaokeError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (caught instanceof FxiaokeError) return caught;
  throw new Error(`expected a FxiaokeError, got ${String(caught)}`);
}

const bodyOf = (emulator: FxiaokeEmulator, path: string, index = 0) =>
  emulator.requestsTo(path)[index]?.body as Json | undefined;

describe('recipients in header mode (convertUserId)', () => {
  it('sends openUserIds with convertUserId: true, and the strict emulator delivers them', async () => {
    const { emulator, client } = await setup();
    const to = emulator.users.filter((u) => !u.isStop).map((u) => u.openUserId);
    await client.sendText(to, 'hello');
    expect(bodyOf(emulator, PATHS.send)).toMatchObject({ toUser: to, convertUserId: true });
    expect(emulator.messages[0]?.toUser).toEqual(to);
  });

  it('sends employee ids without convertUserId', async () => {
    const { emulator, client } = await setup();
    const to = [emulator.users[0]?.employeeId ?? '', emulator.users[1]?.employeeId ?? ''];
    await client.sendText(to, 'hello');
    expect(bodyOf(emulator, PATHS.send)).not.toHaveProperty('convertUserId');
    expect(emulator.messages).toHaveLength(1);
  });

  it('refuses a call mixing both forms before anything is sent (the relay batches them apart)', async () => {
    const { emulator, client } = await setup();
    const to = [emulator.users[0]?.openUserId ?? '', emulator.users[1]?.employeeId ?? ''];
    const error = await fxError(client.sendText(to, 'hello'));
    expect(error.kind).toBe('recipient');
    expect(error.mayHaveBeenDelivered).toBe(false);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(0);
  });

  it('FXIAOKE_CONVERT_USER_ID=never leaves it out, and the strict gateway answers 11008 (a recipient error)', async () => {
    const { emulator, client } = await setup({}, { convertUserId: 'never' });
    const error = await fxError(client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello'));
    expect(bodyOf(emulator, PATHS.send)).not.toHaveProperty('convertUserId');
    expect(error.errorCode).toBe(CODE.OPEN_USER_ID_INVALID);
    expect(error.kind).toBe('recipient');
  });

  it('legacy mode never adds it: openUserIds are what legacy toUser holds', async () => {
    const { emulator, client } = await setup({}, { authMode: 'legacy', userId: undefined });
    await client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello');
    expect(bodyOf(emulator, PATHS.send)).not.toHaveProperty('convertUserId');
    expect(emulator.messages).toHaveLength(1);
  });
});

describe('50009 after delivery', () => {
  it('a send is never repeated: one send call, the error says it may have been delivered', async () => {
    const { emulator, client, sleeps } = await setup({}, { serviceId: SERVICE_ID });
    emulator.addFault({ path: PATHS.appSend, fault: { type: 'error-after-delivery' }, times: Infinity });
    const error = await fxError(client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello'));
    expect(emulator.requestsTo(PATHS.appSend)).toHaveLength(1);
    expect(emulator.messages).toHaveLength(1);
    expect(error.errorCode).toBe(50009);
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(error.category).toBe('maybe_delivered');
    expect(error.meaning).toContain('may have been delivered');
    expect(error.traceId).toBe(emulator.messages[0]?.traceId);
    expect(error.thirdTraceId).toBe(emulator.requestsTo(PATHS.appSend)[0]?.query.thirdTraceId);
    expect(sleeps).toEqual([]);
  });

  it('a call that is safe to repeat (the address book) is retried after 50009', async () => {
    const { emulator, client } = await setup();
    emulator.addFault({ path: PATHS.userList, fault: { type: 'error', errorCode: 50009 } });
    const result = await client.call(
      PATHS.userList,
      { departmentId: 999999, fetchChild: true },
      { safeToRepeat: true },
    );
    expect(result.envelope.errorCode).toBe(0);
    expect(emulator.requestsTo(PATHS.userList)).toHaveLength(2);
  });
});

describe('the gateway’s HTTP 401, 403 and 429', () => {
  it('401 drops the token, fetches a new one and repeats the send once: delivered once', async () => {
    const { emulator, client } = await setup();
    await client.checkCredentials();
    emulator.addFault({ path: PATHS.send, fault: { type: 'http', status: 401 } });
    await client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello');
    expect(emulator.requests.map((r) => r.path)).toEqual([PATHS.token, PATHS.send, PATHS.token, PATHS.send]);
    expect(emulator.messages).toHaveLength(1);
  });

  it('401 twice: fails as a token error after one refresh, no loop', async () => {
    const { emulator, client } = await setup();
    emulator.addFault({ path: PATHS.send, fault: { type: 'http', status: 401 }, times: Infinity });
    const error = await fxError(client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello'));
    expect(error.kind).toBe('token');
    expect(error.httpStatus).toBe(401);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(2);
    expect(emulator.requestsTo(PATHS.token)).toHaveLength(2);
  });

  it('403 is a permission failure, not retried', async () => {
    const { emulator, client, sleeps } = await setup();
    emulator.addFault({ path: PATHS.send, fault: { type: 'http', status: 403 } });
    const error = await fxError(client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello'));
    expect(error.kind).toBe('permission');
    expect(error.mayHaveBeenDelivered).toBe(false);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('429 pauses the endpoint’s budget for every caller (Retry-After honoured), then the send goes through', async () => {
    const clock = { ms: 1_700_000_000_000 };
    const penalties: { path: string; untilMs: number }[] = [];
    class Recording extends InProcessRateLimiter {
      override penalize(path: string, untilMs: number): void {
        penalties.push({ path, untilMs });
        super.penalize(path, untilMs);
      }
    }
    const limiter = new Recording({
      budget: DEFAULTS.fxiaokeRateLimit,
      now: () => clock.ms,
      sleep: async (ms) => {
        clock.ms += ms;
      },
    });
    const { emulator, client, sleeps } = await setup(
      {},
      {
        rateLimiter: limiter,
        sleep: async (ms) => {
          clock.ms += ms;
        },
      },
    );
    emulator.addFault({
      path: PATHS.send,
      fault: { type: 'http', status: 429, headers: { 'retry-after': '3' } },
    });
    const started = clock.ms;
    await client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello');
    expect(sleeps).toEqual([]);
    expect(penalties).toHaveLength(1);
    expect(penalties[0]?.path).toBe(PATHS.send);
    expect(penalties[0]?.untilMs).toBeGreaterThanOrEqual(started + 3000);
    expect(emulator.requestsTo(PATHS.send).map((r) => r.status)).toEqual([429, 200]);
    expect(emulator.messages).toHaveLength(1);
    await limiter.close();
  });
});

describe('redaction of every token', () => {
  it('an earlier token echoed back in errorMessage is cut out, with the current one', async () => {
    const clock = { ms: 1_700_000_000_000 };
    const now = () => clock.ms;
    const { emulator, client } = await setup({ now }, { now });
    await client.checkCredentials();
    clock.ms += 6700 * 1000; // into the rotation window: a new token is issued
    await client.checkCredentials();
    const tokens = emulator.requestsTo(PATHS.token).map((r) => String((r.response as Json).accessToken));
    expect(new Set(tokens).size).toBe(2);
    emulator.addFault({
      path: PATHS.send,
      fault: { type: 'error', errorCode: 15002, errorMessage: `bad token ${tokens[0]} / ${tokens[1]}` },
    });
    const error = await fxError(client.sendText([emulator.users[0]?.openUserId ?? ''], 'hello'));
    for (const token of tokens) {
      expect(error.upstreamMessage).not.toContain(token);
      expect(error.message).not.toContain(token);
    }
    expect(error.upstreamMessage).toContain('[REDACTED]');
  });
});

describe('paths', () => {
  it('upload paths are the two the sources name', () => {
    expect(FXIAOKE_PATHS.mediaUpload).toBe('/media/upload');
    expect(FXIAOKE_PATHS.mediaUploadMessage).toBe('/media/upload/message');
  });
});
