/**
 * Replays the contract fixtures (requests public clients send, fixtures.ts) against the emulator,
 * and holds fx-bridge's own requests against them: same path, same auth placement, same fields.
 * An emulator that refused what real clients send, or a client that drifted from them, fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FxiaokeEmulator, PATHS, type RecordedRequest } from '../../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../../src/config.js';
import { FXIAOKE_PATHS, FxiaokeClient } from '../../../src/fxiaoke/client.js';
import { DIRECTORY_PATHS, WHOLE_COMPANY } from '../../../src/fxiaoke/directory.js';
import { type AuthPlacement, type ContractCall, type ContractFixture, FIXTURES } from './fixtures.js';

type Json = Record<string, unknown>;
const AUTH_FIELDS = new Set(['corpAccessToken', 'corpId']);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

let emulator: FxiaokeEmulator;
beforeAll(async () => {
  emulator = await FxiaokeEmulator.start({ serviceIds: ['FSAID_svc0001'] });
});
afterAll(async () => {
  await emulator.stop();
});

async function json(
  path: string,
  body: Json,
  headers: Record<string, string> = {},
  query = '',
): Promise<Json> {
  const response = await fetch(`${emulator.url}${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Json;
}

async function credentials(): Promise<Record<string, string>> {
  const o = emulator.options;
  const creds = { appId: o.appId, appSecret: o.appSecret, permanentCode: o.permanentCode };
  const legacy = await json(PATHS.legacyToken, creds);
  const header = await json(PATHS.token, { ...creds, grantType: 'app_secret' });
  return {
    ...creds,
    corpAccessToken: String(legacy.corpAccessToken),
    corpId: String(legacy.corpId),
    accessToken: String(header.accessToken),
    ea: String(header.ea),
    openUserId: emulator.users[0]?.openUserId ?? '',
    serviceId: o.serviceIds[0] ?? '',
  };
}

/** Replaces `<name>` placeholders, deep. */
function fill(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(/^<(\w+)>$/, (_, name: string) => values[name] ?? value);
  if (Array.isArray(value)) return value.map((item) => fill(item, values));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, values)]));
  return value;
}

async function replay(fixture: ContractFixture, values: Record<string, string>): Promise<Json> {
  const auth = { corpAccessToken: values.corpAccessToken ?? '', corpId: values.corpId ?? '' };
  if (fixture.file) {
    const params = new URLSearchParams({ ...(fixture.auth === 'query' ? auth : {}), ...fixture.query });
    const form = new FormData();
    form.append(
      fixture.file.field,
      new Blob([PNG], { type: fixture.file.contentType }),
      fixture.file.fileName,
    );
    const response = await fetch(`${emulator.url}${fixture.path}?${params.toString()}`, {
      method: 'POST',
      body: form,
    });
    return (await response.json()) as Json;
  }
  const body = fill(fixture.body ?? {}, values) as Json;
  if (fixture.auth === 'body') return json(fixture.path, { ...auth, ...body });
  if (fixture.auth === 'headers') {
    return json(fixture.path, body, {
      authorization: `Bearer ${values.accessToken}`,
      'x-fs-ea': values.ea ?? '',
      'x-fs-userid': '1000',
    });
  }
  return json(fixture.path, body);
}

describe('public clients’ requests, replayed against the emulator', () => {
  it.each(
    FIXTURES.map((fixture) => [`${fixture.call} — ${fixture.source.repo} ${fixture.source.file}`, fixture]),
  )('%s', async (_label, fixture) => {
    const values = await credentials();
    const answer = await replay(fixture as ContractFixture, values);
    expect(answer.errorCode, JSON.stringify(answer)).toBe(0);
  });
});

/** Where a recorded request carried its credentials. */
function authOf(request: RecordedRequest): AuthPlacement {
  if (request.headers.authorization !== undefined) return 'headers';
  if (request.query.corpAccessToken !== undefined) return 'query';
  const body = request.body as Json | undefined;
  if (body && 'corpAccessToken' in body) return 'body';
  return 'none';
}

/** Every key path of a JSON value ("text.content", "toUser[]"), credentials left out, sorted. */
function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [`${prefix}[]`];
  if (typeof value !== 'object' || value === null) return prefix ? [prefix] : [];
  return Object.entries(value)
    .filter(([key]) => !(prefix === '' && AUTH_FIELDS.has(key)))
    .flatMap(([key, item]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return typeof item === 'object' && item !== null && !Array.isArray(item) ? shape(item, path) : [path];
    })
    .sort();
}

function expectLikeFixtures(call: ContractCall, request: RecordedRequest | undefined): void {
  expect(request, call).toBeDefined();
  if (!request) return;
  const auth = authOf(request);
  const candidates = FIXTURES.filter((fixture) => fixture.call === call && fixture.auth === auth);
  expect(
    candidates.length,
    `${call} with credentials in ${auth}: no public client does that`,
  ).toBeGreaterThan(0);
  expect(candidates.map((fixture) => fixture.path)).toContain(request.path);
  const same = candidates.filter((fixture) => fixture.path === request.path);
  if (request.form) {
    const queryKeys = Object.keys(request.query).filter(
      (key) => key !== 'thirdTraceId' && !AUTH_FIELDS.has(key),
    );
    expect(
      same.map((fixture) =>
        Object.keys(fixture.query ?? {})
          .sort()
          .join(),
      ),
    ).toContain(queryKeys.sort().join());
    expect(request.form.fields).toEqual({});
    expect(request.form.files.map((file) => file.field)).toEqual(
      same.map((fixture) => fixture.file?.field).slice(0, 1),
    );
    expect(request.form.files[0]?.fileName).toMatch(/\.[a-z]{3,4}$/);
    return;
  }
  const ours = shape(request.body).join();
  expect(
    same.map((fixture) => shape(fixture.body ?? {}).join()),
    `body of ${call}`,
  ).toContain(ours);
}

describe('fx-bridge’s own requests match what public clients send', () => {
  function client(authMode: 'legacy' | 'header', serviceId?: string): FxiaokeClient {
    const o = emulator.options;
    return new FxiaokeClient({
      timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
      baseUrl: emulator.url,
      appId: o.appId,
      appSecret: o.appSecret,
      permanentCode: o.permanentCode,
      authMode,
      ...(authMode === 'header' ? { userId: '1000' } : {}),
      ...(serviceId ? { serviceId } : {}),
      sleep: async () => {},
    });
  }
  const last = (path: string) => emulator.requestsTo(path).at(-1);
  const to = () => [emulator.users[0]?.openUserId ?? ''];

  it('legacy style: token, send, service-account send, address book, upload', async () => {
    const plain = client('legacy');
    const service = client('legacy', 'FSAID_svc0001');
    try {
      await plain.sendText(to(), 'hello');
      expectLikeFixtures('token-legacy', last(PATHS.legacyToken));
      expectLikeFixtures('send', last(PATHS.send));
      await service.sendText(to(), 'hello');
      expectLikeFixtures('app-send', last(PATHS.appSend));
      await plain.call(
        DIRECTORY_PATHS.list,
        { departmentId: WHOLE_COMPANY, fetchChild: true },
        { safeToRepeat: true },
      );
      expectLikeFixtures('user-list', last(PATHS.userList));
      await plain.uploadMedia({ bytes: PNG, fileName: 'cat.png', contentType: 'image/png' });
      expectLikeFixtures('upload', last(FXIAOKE_PATHS.mediaUpload));
    } finally {
      await plain.close();
      await service.close();
    }
  });

  it('header style: token and send with convertUserId', async () => {
    const header = client('header');
    try {
      await header.sendText(to(), 'hello');
      expectLikeFixtures('token-header', last(PATHS.token));
      expectLikeFixtures('send', last(PATHS.send));
    } finally {
      await header.close();
    }
  });
});
