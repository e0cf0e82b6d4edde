import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CODE,
  type EmulatorOptions,
  FxiaokeEmulator,
  generateUsers,
  type MessageIdLocation,
  NON_JSON_BODY,
  PATHS,
  type RecordedRequest,
} from '../../dev/fakes/fxiaoke-emulator.js';

type Json = Record<string, unknown>;

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SERVICE_ID = 'FSAID_svc0001';
const TRACE_ID = /^E-O\.emu\.\d+\.[0-9a-f]+$/;

const running: FxiaokeEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

/** A fake clock: tests move `clock.ms` forward. */
function fakeClock(): { ms: number; now: () => number } {
  const clock = { ms: 1_700_000_000_000, now: () => clock.ms };
  return clock;
}

async function start(options: EmulatorOptions = {}): Promise<FxiaokeEmulator> {
  const emulator = await FxiaokeEmulator.start(options);
  running.push(emulator);
  return emulator;
}

interface PostInit {
  headers?: Record<string, string>;
  /** null = leave the query parameter out. */
  thirdTraceId?: string | null;
  method?: string;
  /** Send this text as the body instead of JSON.stringify(body). */
  raw?: string;
  signal?: AbortSignal;
}

function post(
  emulator: FxiaokeEmulator,
  path: string,
  body: unknown,
  init: PostInit = {},
): Promise<Response> {
  const traceId = init.thirdTraceId === undefined ? randomUUID() : init.thirdTraceId;
  const query = traceId === null ? '' : `?thirdTraceId=${encodeURIComponent(traceId)}`;
  const method = init.method ?? 'POST';
  return fetch(`${emulator.url}${path}${query}`, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(method === 'GET' ? {} : { body: init.raw ?? JSON.stringify(body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function call(
  emulator: FxiaokeEmulator,
  path: string,
  body: unknown,
  init: PostInit = {},
): Promise<Json> {
  const res = await post(emulator, path, body, init);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  const json: unknown = await res.json();
  expect(json).toMatchObject({ errorCode: expect.any(Number), traceId: expect.stringMatching(TRACE_ID) });
  return json as Json;
}

function getToken(emulator: FxiaokeEmulator, overrides: Json = {}): Promise<Json> {
  return call(emulator, PATHS.token, { ...CREDS, grantType: 'app_secret', ...overrides });
}

function getLegacyToken(emulator: FxiaokeEmulator, overrides: Json = {}): Promise<Json> {
  return call(emulator, PATHS.legacyToken, { ...CREDS, ...overrides });
}

function authHeaders(token: unknown, userId = '1000'): Record<string, string> {
  return { authorization: `Bearer ${String(token)}`, 'x-fs-ea': 'fs123', 'x-fs-userid': userId };
}

async function headerAuth(emulator: FxiaokeEmulator): Promise<{ headers: Record<string, string> }> {
  const token = await getToken(emulator);
  return { headers: authHeaders(token.accessToken) };
}

/** Header style reads toUser as employee ids unless convertUserId says openUserIds: as the client sends. */
function text(toUser: unknown, content = 'hello', extra: Json = {}): Json {
  const openIds = Array.isArray(toUser) && toUser.some((id) => String(id).startsWith('FSUID_'));
  return {
    toUser,
    msgType: 'text',
    text: { content },
    ...(openIds ? { convertUserId: true } : {}),
    ...extra,
  };
}

function ids(emulator: FxiaokeEmulator, count = emulator.users.length): string[] {
  return emulator.users
    .filter((u) => !u.isStop)
    .map((u) => u.openUserId)
    .slice(0, count);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

describe('header-style token', () => {
  it('issues a token and accepts it on later calls', async () => {
    const emulator = await start();
    const token = await getToken(emulator);
    expect(token).toMatchObject({
      errorCode: 0,
      accessToken: expect.any(String),
      expiresIn: 7200,
      ea: 'fs123',
      appId: CREDS.appId,
      openUserId: 'FSCID_test',
    });
    expect(emulator.tokenFetches()).toBe(1);
    const sent = await call(emulator, PATHS.send, text(ids(emulator, 1)), {
      headers: authHeaders(token.accessToken),
    });
    expect(sent.errorCode).toBe(0);
  });

  it('reuses the token inside the reuse window, rotates after it, and expires it after the ttl', async () => {
    const clock = fakeClock();
    const emulator = await start({ now: clock.now });
    const first = await getToken(emulator);

    clock.ms += 1000 * 1000;
    const reused = await getToken(emulator);
    expect(reused.accessToken).toBe(first.accessToken);
    expect(reused.expiresIn).toBe(6200);

    clock.ms += 5600 * 1000; // 6600 s after issue: a new token
    const rotated = await getToken(emulator);
    expect(rotated.accessToken).not.toBe(first.accessToken);
    expect(rotated.expiresIn).toBe(7200);
    expect(emulator.tokenFetches()).toBe(3);
    expect(emulator.tokensIssued()).toBe(2);

    const to = ids(emulator, 1);
    // The old token stays valid until its own ttl...
    expect(
      (await call(emulator, PATHS.send, text(to), { headers: authHeaders(first.accessToken) })).errorCode,
    ).toBe(0);
    clock.ms += 600 * 1000 + 1; // 7200 s + 1 ms after the first issue
    const expired = await call(emulator, PATHS.send, text(to), { headers: authHeaders(first.accessToken) });
    expect(expired.errorCode).toBe(20016);
    // ...the rotated one still works.
    expect(
      (await call(emulator, PATHS.send, text(to), { headers: authHeaders(rotated.accessToken) })).errorCode,
    ).toBe(0);
  });

  it('answers 20016 for every issued token after expireAllTokens, then issues a fresh one', async () => {
    const emulator = await start();
    const token = await getToken(emulator);
    emulator.expireAllTokens();
    const to = ids(emulator, 1);
    const rejected = await call(emulator, PATHS.send, text(to), { headers: authHeaders(token.accessToken) });
    expect(rejected.errorCode).toBe(20016);
    const fresh = await getToken(emulator);
    expect(fresh.accessToken).not.toBe(token.accessToken);
    expect(
      (await call(emulator, PATHS.send, text(to), { headers: authHeaders(fresh.accessToken) })).errorCode,
    ).toBe(0);
    expect(emulator.messages).toHaveLength(1);
  });

  it('rejects wrong credentials and bad common parameters with the documented codes', async () => {
    const emulator = await start();
    expect((await getToken(emulator, { appId: 'FSAID_wrong' })).errorCode).toBe(20006);
    // A wrong appSecret answers 10006, the code a live probe got.
    expect((await getToken(emulator, { appSecret: 'wrong' })).errorCode).toBe(10006);
    expect((await getToken(emulator, { permanentCode: 'wrong' })).errorCode).toBe(20015);
    expect((await getToken(emulator, { grantType: 'password' })).errorCode).toBe(CODE.PARAM_INVALID);
    expect(emulator.tokenFetches()).toBe(0);

    const token = (await getToken(emulator)).accessToken;
    const to = ids(emulator, 1);
    const send = (headers: Record<string, string>): Promise<Json> =>
      call(emulator, PATHS.send, text(to), { headers });
    // No credentials at all: 20017, as a live probe got.
    expect((await send({})).errorCode).toBe(20017);
    expect((await send({ ...authHeaders(token), authorization: 'Bearer nope' })).errorCode).toBe(20016);
    expect((await send({ ...authHeaders(token), 'x-fs-ea': 'other' })).errorCode).toBe(20017);
    expect((await send({ ...authHeaders(token), 'x-fs-userid': 'abc' })).errorCode).toBe(
      CODE.USER_ID_HEADER_INVALID,
    );
    const { 'x-fs-userid': _dropped, ...noUser } = authHeaders(token);
    expect((await send(noUser)).errorCode).toBe(CODE.USER_ID_HEADER_INVALID);
    expect(emulator.messages).toHaveLength(0);
  });
});

describe('legacy body-style token', () => {
  it('issues corpAccessToken, reuses and rotates it, and checks corpId', async () => {
    const clock = fakeClock();
    const emulator = await start({ now: clock.now });
    const first = await getLegacyToken(emulator);
    expect(first).toMatchObject({ errorCode: 0, corpAccessToken: expect.any(String), corpId: 'FSCID_test' });
    expect(first.expiresIn).toBe(7200);
    clock.ms += 100 * 1000;
    const again = await getLegacyToken(emulator);
    expect(again).toMatchObject({ corpAccessToken: first.corpAccessToken, expiresIn: 7100 });

    const to = ids(emulator, 1);
    const auth = { corpAccessToken: first.corpAccessToken, corpId: 'FSCID_test' };
    expect((await call(emulator, PATHS.send, text(to, 'hi', auth))).errorCode).toBe(0);
    expect((await call(emulator, PATHS.send, text(to, 'hi', { ...auth, corpId: 'FSCID_x' }))).errorCode).toBe(
      20017,
    );
    expect(
      (await call(emulator, PATHS.send, text(to, 'hi', { ...auth, corpAccessToken: 'x' }))).errorCode,
    ).toBe(20016);

    clock.ms += 6500 * 1000;
    const rotated = await getLegacyToken(emulator);
    expect(rotated.corpAccessToken).not.toBe(first.corpAccessToken);
    clock.ms += 700 * 1000;
    expect((await call(emulator, PATHS.send, text(to, 'hi', auth))).errorCode).toBe(20016);
    const rotatedAuth = { corpAccessToken: rotated.corpAccessToken, corpId: 'FSCID_test' };
    expect((await call(emulator, PATHS.send, text(to, 'hi', rotatedAuth))).errorCode).toBe(0);
    emulator.expireAllTokens();
    expect((await call(emulator, PATHS.send, text(to, 'hi', rotatedAuth))).errorCode).toBe(20016);
    expect(emulator.tokenFetches()).toBe(3);
  });

  it('keeps the two token styles apart and checks legacy credentials', async () => {
    const emulator = await start();
    expect((await getLegacyToken(emulator, { appSecret: 'x' })).errorCode).toBe(10006);
    expect((await getLegacyToken(emulator, { permanentCode: 'x' })).errorCode).toBe(20015);
    const legacy = await getLegacyToken(emulator);
    const header = await getToken(emulator);
    const to = ids(emulator, 1);
    expect(
      (await call(emulator, PATHS.send, text(to), { headers: authHeaders(legacy.corpAccessToken) }))
        .errorCode,
    ).toBe(20016);
    const bodyAuth = { corpAccessToken: header.accessToken, corpId: 'FSCID_test' };
    expect((await call(emulator, PATHS.send, text(to, 'hi', bodyAuth))).errorCode).toBe(20016);
  });
});

describe('envelope and HTTP level', () => {
  it('answers 404 without JSON for unknown paths and 405 for other methods', async () => {
    const emulator = await start();
    const missing = await post(emulator, '/cgi/nope', {});
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toContain('json');
    await missing.text();
    const get = await post(emulator, PATHS.send, undefined, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await get.text();
  });

  it('takes a call without thirdTraceId (as legacy public clients send), refuses one that is not a UUID v4, and requires JSON', async () => {
    const emulator = await start();
    const body = { ...CREDS, grantType: 'app_secret' };
    expect((await call(emulator, PATHS.token, body, { thirdTraceId: null })).errorCode).toBe(0);
    expect((await call(emulator, PATHS.token, body, { thirdTraceId: 'abc' })).errorCode).toBe(
      CODE.THIRD_TRACE_ID_INVALID,
    );
    const uuidV1 = 'c232ab00-9414-11ec-b3c8-9e6bdeced846';
    expect((await call(emulator, PATHS.token, body, { thirdTraceId: uuidV1 })).errorCode).toBe(
      CODE.THIRD_TRACE_ID_INVALID,
    );
    expect((await call(emulator, PATHS.token, body, { raw: '{"appId":' })).errorCode).toBe(CODE.BODY_INVALID);
    expect((await call(emulator, PATHS.token, body, { raw: '[1]' })).errorCode).toBe(CODE.BODY_INVALID);
    expect(
      (await call(emulator, PATHS.token, body, { headers: { 'content-type': 'text/plain' } })).errorCode,
    ).toBe(CODE.CONTENT_TYPE_INVALID);
    const ok = await call(emulator, PATHS.token, body);
    expect(ok).toMatchObject({
      errorCode: 0,
      errorMessage: expect.any(String),
      errorDescription: expect.any(String),
    });
    const traceIds = emulator.requests.map((r) => (r.response as Json).traceId);
    expect(new Set(traceIds).size).toBe(traceIds.length);
  });
});

describe('messages', () => {
  it('sends a text message, records it, and returns the bare envelope', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const thirdTraceId = randomUUID();
    const [first] = ids(emulator, 1);
    const sent = await call(emulator, PATHS.send, text([first, first], 'hello there'), {
      ...auth,
      thirdTraceId,
    });
    expect(sent).toMatchObject({ errorCode: 0 });
    expect(sent).not.toHaveProperty('messageId');
    expect(sent).not.toHaveProperty('data');
    expect(emulator.messages).toHaveLength(1);
    expect(emulator.messages[0]).toMatchObject({
      toUser: [first, first],
      msgType: 'text',
      content: 'hello there',
      revoked: false,
      thirdTraceId,
      traceId: sent.traceId,
      path: PATHS.send,
      messageId: expect.any(String),
    });
    expect(emulator.messages[0]?.serviceId).toBeUndefined();
  });

  it('records a card as it came and refuses a malformed one with the code Fxiaoke would answer', async () => {
    const emulator = await start({ messageIdLocation: 'top' });
    const auth = await headerAuth(emulator);
    const base = { toUser: ids(emulator, 1), convertUserId: true, msgType: 'composite' };
    const card = {
      head: { title: 'alice in #general (Slack)' },
      first: { content: 'The deck is ready' },
      form: [{ label: 'Files', value: 'deck.pdf' }],
      remark: { content: 'Images follow.' },
      link: { title: 'Open in Slack', url: 'https://fx-test.slack.com/archives/C1/p1' },
    };
    const sent = await call(
      emulator,
      PATHS.appSend,
      { ...base, serviceId: 'FSAID_svc0001', composite: card },
      auth,
    );
    expect(sent.errorCode).toBe(0);
    expect(emulator.messages[0]).toMatchObject({ msgType: 'composite', content: card.head.title, card });
    // A card can be revoked like a text: the service-account send answered its id.
    const revoked = await call(
      emulator,
      PATHS.revoke,
      { serviceId: 'FSAID_svc0001', messageId: String(sent.messageId) },
      auth,
    );
    expect(revoked.errorCode).toBe(0);
    expect(emulator.messages[0]?.revoked).toBe(true);

    const { link } = card;
    const refused: [string, Json, number][] = [
      ['no card at all', { ...base }, CODE.PARAMETER_INVALID],
      ['a card that is not an object', { ...base, composite: 'card' }, CODE.PARAMETER_INVALID],
      ['a blank head title', { ...base, composite: { head: { title: ' ' }, link } }, CODE.CONTENT_EMPTY],
      [
        'a link without url',
        { ...base, composite: { head: card.head, link: { title: 'x' } } },
        CODE.PARAMETER_INVALID,
      ],
      [
        'a link without title',
        { ...base, composite: { head: card.head, link: { url: link.url } } },
        CODE.PARAMETER_INVALID,
      ],
      ['first as a string', { ...base, composite: { ...card, first: 'text' } }, CODE.PARAMETER_INVALID],
      ['remark without content', { ...base, composite: { ...card, remark: {} } }, CODE.PARAMETER_INVALID],
      [
        'form as an object',
        { ...base, composite: { ...card, form: { label: 'a', value: 'b' } } },
        CODE.PARAMETER_INVALID,
      ],
      [
        'a form row without value',
        { ...base, composite: { ...card, form: [{ label: 'a' }] } },
        CODE.PARAMETER_INVALID,
      ],
    ];
    for (const [what, body, code] of refused) {
      expect((await call(emulator, PATHS.send, body, auth)).errorCode, what).toBe(code);
    }
    expect(emulator.messages).toHaveLength(1);
  });

  it('takes composite and articles as the .NET SDK models them, and refuses what it would not send', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const to = ids(emulator, 1);
    const base = { toUser: to, convertUserId: true };
    const link = { title: 'Open', url: 'https://example.com/q/1' };
    const card = { ...base, msgType: 'composite', composite: { head: { title: 'Card' }, link } };
    expect((await call(emulator, PATHS.send, card, auth)).errorCode).toBe(0);
    const item = (title: string, extra: Json = {}) => ({ title, type: 'TEXT', content: 'body', ...extra });
    const articles = { ...base, msgType: 'articles', articles: [item('A'), item('B')] };
    expect((await call(emulator, PATHS.send, articles, auth)).errorCode).toBe(0);
    expect(emulator.messages.map((m) => m.content)).toEqual(['Card', 'A\nB']);
    // Strict: a top-level card, a card without link, empty article content, lengths over the SDK's.
    const refused: [Json, number][] = [
      [{ ...base, msgType: 'composite', head: { title: 'Top' }, link }, CODE.PARAMETER_INVALID],
      [{ ...base, msgType: 'composite', composite: { head: { title: 'No link' } } }, CODE.PARAMETER_INVALID],
      [{ ...base, msgType: 'composite', composite: { head: {}, link } }, 12005],
      [{ ...base, msgType: 'articles', articles: [{ title: 'A', type: 'TEXT' }] }, 12005],
      [{ ...base, msgType: 'articles', articles: [item('x'.repeat(46))] }, CODE.PARAMETER_INVALID],
      [
        { ...base, msgType: 'articles', articles: [item('A', { author: 'x'.repeat(9) })] },
        CODE.PARAMETER_INVALID,
      ],
      [
        { ...base, msgType: 'articles', articles: [item('A', { description: 'x'.repeat(141) })] },
        CODE.PARAMETER_INVALID,
      ],
    ];
    for (const [body, code] of refused) {
      expect((await call(emulator, PATHS.send, body, auth)).errorCode, JSON.stringify(body)).toBe(code);
    }
    expect(emulator.messages).toHaveLength(2);
    expect((await call(emulator, PATHS.send, { ...base, msgType: 'sms' }, auth)).errorCode).toBe(11017);
    expect((await call(emulator, PATHS.send, { ...base, msgType: 'image' }, auth)).errorCode).toBe(12003);
  });

  it('rejects bad recipients and empty content with the documented codes', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const [known] = ids(emulator, 1);
    const stopped = emulator.users.find((u) => u.isStop);
    expect(stopped).toBeDefined();
    const unknownId = `FSUID_${'0'.repeat(32)}`;

    const unknown = await call(emulator, PATHS.send, text([known, unknownId]), auth);
    expect(unknown.errorCode).toBe(20012);
    expect(unknown.errorMessage).toContain(unknownId);
    expect((await call(emulator, PATHS.send, text([known, stopped?.openUserId]), auth)).errorCode).toBe(
      30027,
    );
    expect((await call(emulator, PATHS.send, text([]), auth)).errorCode).toBe(10015);
    expect(
      (await call(emulator, PATHS.send, { msgType: 'text', text: { content: 'x' } }, auth)).errorCode,
    ).toBe(10015);
    expect((await call(emulator, PATHS.send, text([known, 42]), auth)).errorCode).toBe(11016);
    expect((await call(emulator, PATHS.send, text([known], '   \n'), auth)).errorCode).toBe(12005);
    expect(
      (await call(emulator, PATHS.send, { toUser: [known], convertUserId: true, msgType: 'text' }, auth))
        .errorCode,
    ).toBe(12005);
    expect(emulator.messages).toHaveLength(0);
  });

  it('takes 500 recipients in one call and rejects 501', async () => {
    const emulator = await start({ users: generateUsers(501) });
    const auth = await headerAuth(emulator);
    const all = emulator.users.map((u) => u.openUserId);
    expect(new Set(all).size).toBe(501);
    expect(all.every((id) => /^FSUID_[0-9A-F]{32}$/.test(id))).toBe(true);
    expect((await call(emulator, PATHS.send, text(all), auth)).errorCode).toBe(11016);
    expect((await call(emulator, PATHS.send, text(all.slice(0, 500)), auth)).errorCode).toBe(0);
    expect(emulator.messages[0]?.toUser).toHaveLength(500);
  });

  it.each<[MessageIdLocation, (res: Json) => unknown]>([
    ['top', (res) => res.messageId],
    ['data', (res) => (res.data as Json | undefined)?.messageId],
    ['top-number', (res) => res.messageId],
    ['data-number', (res) => (res.data as Json | undefined)?.messageId],
    ['none', (res) => res.messageId ?? (res.data as Json | undefined)?.messageId],
  ])('service-account send puts the message id at %s', async (location, pick) => {
    const emulator = await start();
    emulator.setMessageIdLocation(location);
    expect(emulator.options.messageIdLocation).toBe(location);
    const auth = await headerAuth(emulator);
    const res = await call(
      emulator,
      PATHS.appSend,
      text(ids(emulator, 2), 'hi', { serviceId: SERVICE_ID }),
      auth,
    );
    expect(res.errorCode).toBe(0);
    const message = emulator.messages[0];
    expect(message).toMatchObject({ serviceId: SERVICE_ID, path: PATHS.appSend, traceId: res.traceId });
    const found = pick(res);
    if (location === 'none') {
      expect(found).toBeUndefined();
      expect(res).not.toHaveProperty('data');
    } else {
      expect(typeof found).toBe(location.endsWith('number') ? 'number' : 'string');
      expect(String(found)).toBe(message?.messageId);
    }
  });

  it('rejects a service-account send without a valid serviceId', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const to = ids(emulator, 1);
    expect((await call(emulator, PATHS.appSend, text(to), auth)).errorCode).toBe(20014);
    expect(
      (await call(emulator, PATHS.appSend, text(to, 'x', { serviceId: 'FSAID_other' }), auth)).errorCode,
    ).toBe(20014);
    expect(emulator.messages).toHaveLength(0);
  });

  it('revokes a service-account message once, by string or number id', async () => {
    const clock = fakeClock();
    const emulator = await start({ now: clock.now, serviceIds: [SERVICE_ID, 'FSAID_svc0002'] });
    emulator.setMessageIdLocation('top-number');
    const auth = await headerAuth(emulator);
    const to = ids(emulator, 1);
    const sent = await call(emulator, PATHS.appSend, text(to, 'x', { serviceId: SERVICE_ID }), auth);
    expect(typeof sent.messageId).toBe('number');

    const revoke = (body: Json): Promise<Json> => call(emulator, PATHS.revoke, body, auth);
    expect((await revoke({ serviceId: SERVICE_ID, messageId: 'nope' })).errorCode).toBe(
      CODE.MESSAGE_NOT_FOUND,
    );
    expect((await revoke({ serviceId: 'FSAID_unknown', messageId: sent.messageId })).errorCode).toBe(20014);
    expect((await revoke({ serviceId: 'FSAID_svc0002', messageId: sent.messageId })).errorCode).toBe(
      CODE.MESSAGE_NOT_OWNED,
    );
    expect((await revoke({ serviceId: SERVICE_ID })).errorCode).toBe(CODE.PARAM_INVALID);
    expect(emulator.messages[0]?.revoked).toBe(false);

    clock.ms += 5000;
    expect((await revoke({ serviceId: SERVICE_ID, messageId: sent.messageId })).errorCode).toBe(0);
    expect(emulator.messages[0]).toMatchObject({ revoked: true, revokedAt: clock.ms });
    expect((await revoke({ serviceId: SERVICE_ID, messageId: String(sent.messageId) })).errorCode).toBe(
      CODE.MESSAGE_ALREADY_REVOKED,
    );

    emulator.setMessageIdLocation('data');
    const second = await call(emulator, PATHS.appSend, text(to, 'y', { serviceId: SERVICE_ID }), auth);
    const secondId = (second.data as Json).messageId;
    expect((await revoke({ serviceId: SERVICE_ID, messageId: secondId })).errorCode).toBe(0);

    await call(emulator, PATHS.send, text(to), auth);
    const plainId = emulator.messages[2]?.messageId;
    expect((await revoke({ serviceId: SERVICE_ID, messageId: plainId })).errorCode).toBe(
      CODE.MESSAGE_NOT_OWNED,
    );
  });

  it('enforces the optional revoke window', async () => {
    const clock = fakeClock();
    const emulator = await start({ now: clock.now, revokeWindowMs: 60_000, messageIdLocation: 'top' });
    const auth = await headerAuth(emulator);
    const sent = await call(
      emulator,
      PATHS.appSend,
      text(ids(emulator, 1), 'x', { serviceId: SERVICE_ID }),
      auth,
    );
    clock.ms += 60_001;
    const res = await call(
      emulator,
      PATHS.revoke,
      { serviceId: SERVICE_ID, messageId: sent.messageId },
      auth,
    );
    expect(res.errorCode).toBe(CODE.REVOKE_WINDOW_ELAPSED);
  });
});

describe('address book', () => {
  it('finds users by mobile, lists them, and gets one', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const [user] = emulator.users;
    expect(user).toBeDefined();

    const byMobile = await call(emulator, '/cgi/user/getByMobile', { mobile: user?.mobile }, auth);
    expect(byMobile.empList).toEqual([
      expect.objectContaining({ openUserId: user?.openUserId, name: user?.name }),
    ]);
    expect((await call(emulator, '/cgi/user/getByMobile', { mobile: '10000000000' }, auth)).empList).toEqual(
      [],
    );

    const list = await call(emulator, '/cgi/user/list', { departmentId: 999999, fetchChild: true }, auth);
    expect(list.userList).toHaveLength(emulator.users.length);
    expect(list.userList).toContainEqual(
      expect.objectContaining({ openUserId: user?.openUserId, email: user?.email, isStop: false }),
    );
    expect(list.userList).toContainEqual(expect.objectContaining({ isStop: true }));

    const simple = await call(
      emulator,
      '/cgi/user/simpleList',
      { departmentId: 999999, fetchChild: true },
      auth,
    );
    const simpleList = simple.userList as Json[];
    expect(simpleList).toHaveLength(emulator.users.length);
    expect(Object.keys(simpleList[0] ?? {}).sort()).toEqual(['name', 'nickName', 'openUserId']);
    // A department that does not exist (sdk: 11009 or 30007), not an empty list.
    expect(
      (await call(emulator, '/cgi/user/simpleList', { departmentId: 42, fetchChild: true }, auth)).errorCode,
    ).toBe(11009);

    const one = await call(emulator, '/cgi/user/get', { openUserId: user?.openUserId }, auth);
    expect(one).toMatchObject({
      errorCode: 0,
      openUserId: user?.openUserId,
      name: user?.name,
      mobile: user?.mobile,
    });
    expect((await call(emulator, '/cgi/user/get', { openUserId: 'FSUID_nobody' }, auth)).errorCode).toBe(
      20012,
    );
  });

  it('addUser makes a new recipient valid', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const [extra] = generateUsers(1, 'Extra', 50);
    if (!extra) throw new Error('no user generated');
    expect((await call(emulator, PATHS.send, text([extra.openUserId]), auth)).errorCode).toBe(20012);
    emulator.addUser(extra);
    expect((await call(emulator, PATHS.send, text([extra.openUserId]), auth)).errorCode).toBe(0);
    expect(extra.employeeId).toBe('1050');
  });
});

describe('faults', () => {
  it('latency delays, then answers normally', async () => {
    const emulator = await start();
    emulator.addFault({ fault: { type: 'latency', ms: 120 }, path: PATHS.token });
    const started = performance.now();
    const token = await getToken(emulator);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(token.errorCode).toBe(0);
    expect(emulator.requests[0]?.fault).toBe('latency');
  });

  it('timeout never answers; the client gives up and stop() still closes promptly', async () => {
    const emulator = await start();
    emulator.addFault({ fault: { type: 'timeout' } });
    const error = await failure(
      post(
        emulator,
        PATHS.token,
        { ...CREDS, grantType: 'app_secret' },
        { signal: AbortSignal.timeout(150) },
      ),
    );
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(emulator.requests[0]?.fault).toBe('timeout');
    expect(emulator.requests[0]?.status).toBeUndefined();
    expect(emulator.tokenFetches()).toBe(0);

    // A second hanging request left open: stop() must not wait for it.
    emulator.addFault({ fault: { type: 'timeout' } });
    const hanging = failure(post(emulator, PATHS.token, {}));
    await expect.poll(() => emulator.requests.length).toBe(2);
    // The request never ends by itself: a stop() that waited for it would never return.
    await emulator.stop();
    expect(await hanging).toBeInstanceOf(TypeError);
  });

  it('reset destroys the socket without answering (ECONNRESET)', async () => {
    const emulator = await start();
    emulator.addFault({ fault: { type: 'reset' }, path: PATHS.token });
    const error = await failure(post(emulator, PATHS.token, { ...CREDS, grantType: 'app_secret' }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(emulator.tokenFetches()).toBe(0);
    expect((await getToken(emulator)).errorCode).toBe(0);
  });

  it('http answers the given status and body; non-json answers an HTML 200', async () => {
    const emulator = await start();
    emulator.addFault({ fault: { type: 'http', status: 502, body: '<html>bad gateway</html>' } });
    emulator.addFault({ fault: { type: 'http', status: 503 } });
    emulator.addFault({ fault: { type: 'non-json' } });
    const body = { ...CREDS, grantType: 'app_secret' };

    const bad = await post(emulator, PATHS.token, body);
    expect(bad.status).toBe(502);
    expect(await bad.text()).toBe('<html>bad gateway</html>');
    const unavailable = await post(emulator, PATHS.token, body);
    expect(unavailable.status).toBe(503);
    expect(await unavailable.text()).toContain('503');
    const html = await post(emulator, PATHS.token, body);
    expect(html.status).toBe(200);
    expect(await html.text()).toBe(NON_JSON_BODY);
    expect(emulator.requests.map((r) => [r.fault, r.status])).toEqual([
      ['http', 502],
      ['http', 503],
      ['non-json', 200],
    ]);
    expect(emulator.tokenFetches()).toBe(0);
  });

  it('error answers an envelope error with a traceId, and applies before auth', async () => {
    const emulator = await start();
    emulator.addFault({
      fault: { type: 'error', errorCode: -1, errorMessage: 'busy' },
      path: PATHS.send,
      times: 2,
    });
    const res = await call(emulator, PATHS.send, text(ids(emulator, 1)));
    expect(res).toMatchObject({ errorCode: -1, errorMessage: 'busy' });
    const auth = await headerAuth(emulator); // other paths unaffected
    expect((await call(emulator, PATHS.send, text(ids(emulator, 1)), auth)).errorCode).toBe(-1);
    expect((await call(emulator, PATHS.send, text(ids(emulator, 1)), auth)).errorCode).toBe(0);
    expect(emulator.messages).toHaveLength(1);
  });

  it('accept-then-reset delivers the message, then loses the response', async () => {
    const emulator = await start({ messageIdLocation: 'top' });
    const auth = await headerAuth(emulator);
    emulator.addFault({ fault: { type: 'accept-then-reset' }, path: PATHS.appSend });
    const error = await failure(
      post(emulator, PATHS.appSend, text(ids(emulator, 1), 'x', { serviceId: SERVICE_ID }), auth),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(emulator.messages).toHaveLength(1);
    const record = emulator.requestsTo(PATHS.appSend)[0];
    expect(record?.fault).toBe('accept-then-reset');
    expect(record?.status).toBeUndefined();
    expect(record?.response).toMatchObject({ errorCode: 0, messageId: emulator.messages[0]?.messageId });
  });

  it('counts times, matches paths, supports Infinity and clearFaults', async () => {
    const emulator = await start();
    emulator.addFault({ fault: { type: 'error', errorCode: 50009 }, path: PATHS.revoke, times: Infinity });
    emulator.addFault({ fault: { type: 'error', errorCode: -2 }, times: 2 });
    // The any-path rule hits the token calls (the revoke rule does not match them).
    expect((await getToken(emulator)).errorCode).toBe(-2);
    expect((await getToken(emulator)).errorCode).toBe(-2);
    const token = await getToken(emulator);
    expect(token.errorCode).toBe(0);
    const headers = authHeaders(token.accessToken);
    for (let i = 0; i < 3; i++) {
      expect(
        (await call(emulator, PATHS.revoke, { serviceId: SERVICE_ID, messageId: 'x' }, { headers }))
          .errorCode,
      ).toBe(50009);
    }
    emulator.clearFaults();
    expect(
      (await call(emulator, PATHS.revoke, { serviceId: SERVICE_ID, messageId: 'x' }, { headers })).errorCode,
    ).toBe(CODE.MESSAGE_NOT_FOUND);
  });
});

describe('limits', () => {
  it('rate-limits each endpoint path with 30004, token endpoints excepted', async () => {
    const clock = fakeClock();
    const emulator = await start({ now: clock.now, rateLimit: { calls: 2, windowMs: 20_000 } });
    const auth = await headerAuth(emulator);
    await getToken(emulator);
    await getToken(emulator);
    const to = ids(emulator, 1);
    const send = async (): Promise<number> =>
      Number((await call(emulator, PATHS.send, text(to), auth)).errorCode);
    expect(await send()).toBe(0);
    clock.ms += 10_000;
    expect(await send()).toBe(0);
    expect(await send()).toBe(30004);
    // Another path has its own window.
    expect((await call(emulator, '/cgi/user/get', { openUserId: to[0] }, auth)).errorCode).toBe(0);
    clock.ms += 10_001; // the first call left the sliding window
    expect(await send()).toBe(0);
    expect(await send()).toBe(30004);
    emulator.setRateLimit(undefined);
    expect(await send()).toBe(0);
    expect(emulator.messages).toHaveLength(4);
  });

  it('answers 30002 once the daily quota of successful calls is used, until the next China day', async () => {
    const clock = fakeClock();
    const emulator = await start({ now: clock.now, dailyQuota: 2 });
    const auth = await headerAuth(emulator);
    const to = ids(emulator, 1);
    expect((await call(emulator, PATHS.send, text([]), auth)).errorCode).toBe(10015); // failures do not count
    expect((await call(emulator, PATHS.send, text(to), auth)).errorCode).toBe(0);
    expect((await call(emulator, PATHS.send, text(to), auth)).errorCode).toBe(0);
    expect(emulator.quotaUsed()).toBe(2);
    expect((await call(emulator, PATHS.send, text(to), auth)).errorCode).toBe(30002);
    expect((await call(emulator, '/cgi/user/get', { openUserId: to[0] }, auth)).errorCode).toBe(30002);
    expect((await getToken(emulator)).errorCode).toBe(0); // token calls are not limited
    clock.ms += 24 * 3600_000;
    expect(
      (
        await call(emulator, PATHS.send, text(to), {
          headers: authHeaders((await getToken(emulator)).accessToken),
        })
      ).errorCode,
    ).toBe(0);
    emulator.setDailyQuota(undefined);
    expect(emulator.messages).toHaveLength(3);
  });
});

describe('request log', () => {
  it('records every request raw, with status, response and fault', async () => {
    const emulator = await start();
    const thirdTraceId = randomUUID();
    const auth = await headerAuth(emulator);
    emulator.addFault({ fault: { type: 'non-json' }, path: '/cgi/user/get' });
    const body = text(ids(emulator, 1), 'logged');
    await call(emulator, PATHS.send, body, {
      ...auth,
      thirdTraceId,
      headers: { ...auth.headers, 'x-extra': 'yes' },
    });
    await (await post(emulator, '/cgi/user/get', { openUserId: 'x' }, auth)).text();

    expect(emulator.requests.map((r) => r.path)).toEqual([PATHS.token, PATHS.send, '/cgi/user/get']);
    expect(emulator.requests.map((r) => r.id)).toEqual([1, 2, 3]);
    const [sendRecord] = emulator.requestsTo(PATHS.send);
    expect(sendRecord).toMatchObject<Partial<RecordedRequest>>({
      method: 'POST',
      query: { thirdTraceId },
      body,
      rawBody: JSON.stringify(body),
      status: 200,
    });
    expect(sendRecord?.headers).toMatchObject({
      authorization: auth.headers.authorization,
      'x-fs-ea': 'fs123',
      'x-fs-userid': '1000',
      'x-extra': 'yes',
      'content-type': 'application/json',
    });
    expect(sendRecord?.response).toMatchObject({ errorCode: 0, traceId: emulator.messages[0]?.traceId });
    expect(emulator.requestsTo('/cgi/user/get')[0]).toMatchObject({
      fault: 'non-json',
      response: NON_JSON_BODY,
    });
  });

  it('reset() clears requests, messages, faults and tokens but keeps users and options', async () => {
    const emulator = await start({ messageIdLocation: 'data' });
    const { requests, messages } = emulator;
    const auth = await headerAuth(emulator);
    await call(emulator, PATHS.send, text(ids(emulator, 1)), auth);
    emulator.addUser(generateUsers(1, 'Kept', 10)[0] ?? { openUserId: 'x', name: 'x' });
    emulator.addFault({ fault: { type: 'non-json' } });
    emulator.reset();
    expect(requests).toHaveLength(0);
    expect(messages).toHaveLength(0);
    expect(emulator.tokenFetches()).toBe(0);
    expect((await call(emulator, PATHS.send, text(ids(emulator, 1)), auth)).errorCode).toBe(20016);
    expect(emulator.requests[0]?.fault).toBeUndefined();
    expect(emulator.users).toHaveLength(7);
    expect(emulator.options.messageIdLocation).toBe('data');
  });

  it('calls onRequest once per finished request', async () => {
    const seen: string[] = [];
    const emulator = await start({ onRequest: (r) => seen.push(`${r.path} ${r.status ?? '-'}`) });
    await getToken(emulator);
    await (await post(emulator, '/nope', {})).text();
    expect(seen).toEqual([`${PATHS.token} 200`, '/nope 404']);
  });
});

describe('strict by default (issue 12: what public clients send and the gateway is known to do)', () => {
  it('answers a send with the envelope alone unless a switch places an id, a Long above 2^53 digit for digit', async () => {
    const emulator = await start();
    expect(emulator.options.messageIdLocation).toBe('none');
    const auth = await headerAuth(emulator);
    const body = text(ids(emulator, 1), 'hi', { serviceId: SERVICE_ID });
    const plain = await call(emulator, PATHS.appSend, body, auth);
    expect(plain.errorCode).toBe(0);
    expect(plain).not.toHaveProperty('messageId');
    emulator.setMessageIdLocation('top-long');
    const res = await post(emulator, PATHS.appSend, body, auth);
    const raw = await res.text();
    const id = /"messageId":(\d+)[,}]/.exec(raw)?.[1];
    expect(id).toBeDefined();
    expect(BigInt(id ?? '0') > 2n ** 53n).toBe(true);
    expect(id).toBe(emulator.messages[1]?.messageId);
  });

  it('header style reads toUser as employee ids unless convertUserId: true, then openUserIds; legacy takes openUserIds', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const [user] = emulator.users;
    const openId = user?.openUserId ?? '';
    const employeeId = user?.employeeId ?? '';
    const send = (body: Json, init: PostInit = auth) => call(emulator, PATHS.send, body, init);
    const message = { msgType: 'text', text: { content: 'x' } };
    expect((await send({ ...message, toUser: [openId] })).errorCode).toBe(CODE.OPEN_USER_ID_INVALID);
    expect((await send({ ...message, toUser: [employeeId], convertUserId: true })).errorCode).toBe(
      CODE.OPEN_USER_ID_INVALID,
    );
    expect((await send({ ...message, toUser: [employeeId] })).errorCode).toBe(0);
    expect((await send({ ...message, toUser: [openId], convertUserId: true })).errorCode).toBe(0);
    const legacy = await getLegacyToken(emulator);
    const legacyBody = { corpAccessToken: legacy.corpAccessToken, corpId: 'FSCID_test', ...message };
    expect((await send({ ...legacyBody, toUser: [employeeId] }, {})).errorCode).toBe(
      CODE.OPEN_USER_ID_INVALID,
    );
    expect((await send({ ...legacyBody, toUser: [openId] }, {})).errorCode).toBe(0);
    expect(emulator.messages.map((m) => m.toUser[0])).toEqual([employeeId, openId, openId]);
  });

  it('answers a call without any credentials with 20017, as a live probe did', async () => {
    const emulator = await start();
    const res = await call(emulator, PATHS.send, text(ids(emulator, 1)));
    expect(res.errorCode).toBe(20017);
    expect(emulator.messages).toHaveLength(0);
  });

  it('error-after-delivery delivers the message and answers 50009 with the send’s traceId', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    emulator.addFault({ fault: { type: 'error-after-delivery' }, path: PATHS.send });
    const res = await call(emulator, PATHS.send, text(ids(emulator, 1)), auth);
    expect(res.errorCode).toBe(50009);
    expect(emulator.messages).toHaveLength(1);
    expect(res.traceId).toBe(emulator.messages[0]?.traceId);
  });

  it('models the gateway’s 401, 403 and 429 (with Retry-After) without processing the call', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    for (const status of [401, 403, 429]) {
      emulator.addFault({
        fault: { type: 'http', status, ...(status === 429 ? { headers: { 'retry-after': '2' } } : {}) },
        path: PATHS.send,
      });
      const res = await post(emulator, PATHS.send, text(ids(emulator, 1)), auth);
      expect(res.status).toBe(status);
      if (status === 429) expect(res.headers.get('retry-after')).toBe('2');
      await res.text();
    }
    expect(emulator.messages).toHaveLength(0);
  });

  it('serves /cgi/department/list and takes departmentId 999999 (.NET) or 0 (PHP) as the whole company', async () => {
    const emulator = await start();
    const auth = await headerAuth(emulator);
    const departments = await call(emulator, PATHS.departmentList, {}, auth);
    expect(departments.errorCode).toBe(0);
    expect(departments.departments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 999999 }),
        expect.objectContaining({ id: 1001 }),
      ]),
    );
    for (const departmentId of [999999, 0]) {
      const list = await call(emulator, PATHS.userList, { departmentId, fetchChild: true }, auth);
      expect((list.userList as unknown[]).length, String(departmentId)).toBe(emulator.users.length);
    }
  });

  it('serves a department tree and honours fetchChild: sub-departments only when it is true', async () => {
    const [east, east2, west, gone] = generateUsers(4, 'Dept User');
    const emulator = await start({
      users: [
        { ...east!, departmentIds: [1002] },
        { ...east2!, departmentIds: [1004] },
        { ...west!, departmentIds: [1003] },
        { ...gone!, departmentIds: [1004], isStop: true },
      ],
      departments: [
        { id: 1001, name: 'Sales', parentId: 999999 },
        { id: 1002, name: 'Sales East', parentId: 1001 },
        { id: 1003, name: 'Sales West', parentId: 1001, isStop: true },
        { id: 1004, name: 'Shanghai', parentId: 1002 },
      ],
    });
    const auth = await headerAuth(emulator);
    const listed = await call(emulator, PATHS.departmentList, {}, auth);
    expect(listed.departments).toEqual([
      { id: 999999, name: 'Company', parentId: 0, isStop: false, order: 0 },
      { id: 1001, name: 'Sales', parentId: 999999, isStop: false, order: 0 },
      { id: 1002, name: 'Sales East', parentId: 1001, isStop: false, order: 0 },
      { id: 1003, name: 'Sales West', parentId: 1001, isStop: true, order: 0 },
      { id: 1004, name: 'Shanghai', parentId: 1002, isStop: false, order: 0 },
    ]);
    const ids = async (body: Record<string, unknown>) =>
      ((await call(emulator, PATHS.userList, body, auth)).userList as Json[]).map((user) => user.openUserId);
    expect(await ids({ departmentId: 1002, fetchChild: true })).toEqual([
      east!.openUserId,
      east2!.openUserId,
      gone!.openUserId,
    ]);
    // Without fetchChild (false or absent): the department's own people only.
    expect(await ids({ departmentId: 1002, fetchChild: false })).toEqual([east!.openUserId]);
    expect(await ids({ departmentId: 1002 })).toEqual([east!.openUserId]);
    expect(await ids({ departmentId: 1001 })).toEqual([]);
    expect(await ids({ departmentId: 1001, fetchChild: true })).toHaveLength(4);
    // Departed people are listed, marked: callers leave them out.
    const shown = (await call(emulator, PATHS.userList, { departmentId: 1004, fetchChild: true }, auth))
      .userList as Json[];
    expect(shown.find((user) => user.openUserId === gone!.openUserId)).toMatchObject({ isStop: true });
    expect(
      (await call(emulator, PATHS.userList, { departmentId: 4242, fetchChild: true }, auth)).errorCode,
    ).toBe(11009);
  });
});
