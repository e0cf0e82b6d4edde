/** uploadMedia and sendArticles against the emulator: the open `/media/upload` shape, both auth styles. */
import { afterEach, describe, expect, it } from 'vitest';
import { CODE, type EmulatorOptions, FxiaokeEmulator } from '../../dev/fakes/fxiaoke-emulator.js';
import { DEFAULTS } from '../../src/config.js';
import { FXIAOKE_PATHS, FxiaokeClient, type FxiaokeClientOptions } from '../../src/fxiaoke/client.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import type { Article } from '../../src/fxiaoke/interface.js';

const CREDS = { appId: 'FSAID_test0001', appSecret: 'test-app-secret', permanentCode: 'test-permanent-code' };
const SERVICE_ID = 'FSAID_svc0001';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3, 255]);

const emulators: FxiaokeEmulator[] = [];
const clients: FxiaokeClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
});

async function setup(
  emulatorOptions: EmulatorOptions = {},
  clientOptions: Partial<FxiaokeClientOptions> = {},
): Promise<{ emulator: FxiaokeEmulator; client: FxiaokeClient }> {
  const emulator = await FxiaokeEmulator.start(emulatorOptions);
  emulators.push(emulator);
  const client = new FxiaokeClient({
    timeoutMs: DEFAULTS.fxiaokeTimeoutMs,
    baseUrl: emulator.url,
    ...CREDS,
    authMode: 'header',
    userId: '1000',
    serviceId: SERVICE_ID,
    sleep: async () => {},
    ...clientOptions,
  });
  clients.push(client);
  return { emulator, client };
}

const image = { bytes: PNG, fileName: 'cat.png', contentType: 'image/png' };

describe('FxiaokeClient.uploadMedia', () => {
  it('posts multipart with type=image in the query string and the file as media, header style, and returns the mediaId', async () => {
    const { emulator, client } = await setup();
    const result = await client.uploadMedia(image, { thirdTraceId: '7f0c2c8e-8d9b-4c5e-9a1f-3b2d4c6e8f01' });
    const [request] = emulator.requestsTo(FXIAOKE_PATHS.mediaUpload);
    expect(String(request?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.headers.authorization).toMatch(/^Bearer emu-at-/);
    expect(request?.query.thirdTraceId).toBe('7f0c2c8e-8d9b-4c5e-9a1f-3b2d4c6e8f01');
    // As the .NET SDK and the doc's curl: type in the query string, the form holds only the file.
    expect(request?.query.type).toBe('image');
    expect(request?.query).not.toHaveProperty('corpAccessToken');
    expect(request?.form?.fields).toEqual({});
    expect(request?.form?.files).toEqual([
      { field: 'media', fileName: 'cat.png', contentType: 'image/png', size: PNG.length },
    ]);
    // The bytes arrive exactly as sent.
    expect([...(emulator.media[0]?.bytes ?? [])]).toEqual([...PNG]);
    expect(result).toMatchObject({ mediaId: emulator.media[0]?.mediaId, mediaIdSource: 'top' });
    expect(result.traceId).toBe(emulator.media[0]?.traceId);
  });

  it('puts corpAccessToken, corpId and type in the query string in legacy style, as the .NET SDK does', async () => {
    const { emulator, client } = await setup({}, { authMode: 'legacy', userId: undefined });
    const result = await client.uploadMedia(image);
    const [request] = emulator.requestsTo(FXIAOKE_PATHS.mediaUpload);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.query).toMatchObject({ type: 'image', corpId: 'FSCID_test' });
    expect(request?.query.corpAccessToken).toMatch(/^emu-cat-/);
    expect(request?.form?.fields).toEqual({});
    expect(result.mediaId).toBe(emulator.media[0]?.mediaId);
  });

  it('uploads to /media/upload/message (the doc page) when configured, and gives a name without extension one', async () => {
    const { emulator, client } = await setup({}, { mediaUploadPath: FXIAOKE_PATHS.mediaUploadMessage });
    await client.uploadMedia({ ...image, fileName: 'pasted image' });
    expect(emulator.requestsTo(FXIAOKE_PATHS.mediaUpload)).toHaveLength(0);
    const [request] = emulator.requestsTo(FXIAOKE_PATHS.mediaUploadMessage);
    expect(request?.form?.files[0]?.fileName).toBe('pasted image.png');
    expect(emulator.media).toHaveLength(1);
  });

  it('reads a mediaId under data too', async () => {
    const { emulator, client } = await setup({ mediaIdLocation: 'data' });
    const result = await client.uploadMedia(image);
    expect(result).toMatchObject({ mediaId: emulator.media[0]?.mediaId, mediaIdSource: 'data' });
  });

  it('fails clearly when the upload succeeds without a mediaId', async () => {
    const { client } = await setup({ mediaIdLocation: 'none' });
    const error = await client.uploadMedia(image).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FxiaokeError);
    expect((error as FxiaokeError).meaning).toContain('returned no mediaId');
    expect((error as FxiaokeError).traceId).toMatch(/^E-O\.emu\./);
  });

  it('refreshes an expired token and retries the upload once', async () => {
    const { emulator, client } = await setup();
    await client.checkCredentials();
    emulator.expireAllTokens();
    await client.uploadMedia(image);
    expect(
      emulator
        .requestsTo(FXIAOKE_PATHS.mediaUpload)
        .map((r) => (r.response as { errorCode: number }).errorCode),
    ).toEqual([CODE.TOKEN_INVALID, 0]);
    expect(emulator.media).toHaveLength(1);
  });
});

describe('FxiaokeClient.sendArticles', () => {
  it('sends msgType articles at the top level through the service account, with the message id', async () => {
    const { emulator, client } = await setup({ messageIdLocation: 'top' });
    const { mediaId } = await client.uploadMedia(image);
    const user = emulator.users[0]!;
    const articles: Article[] = [
      { title: 'cat.png', coverImage: mediaId, type: 'TEXT', content: 'from Slack' },
    ];
    const result = await client.sendArticles([user.openUserId], articles);
    const message = emulator.messages[0]!;
    expect(message.msgType).toBe('articles');
    expect(message.body).toMatchObject({ toUser: [user.openUserId], serviceId: SERVICE_ID, articles });
    expect(result).toMatchObject({ messageId: message.messageId, traceId: message.traceId });
  });

  it('refuses more than 7 articles or a title over 45 characters before calling Fxiaoke', async () => {
    const { emulator, client } = await setup();
    const one: Article = { title: 'x', coverImage: 'm', type: 'TEXT', content: 'body' };
    await expect(client.sendArticles(['FSUID_A'], Array(8).fill(one))).rejects.toThrow(RangeError);
    await expect(client.sendArticles(['FSUID_A'], [{ ...one, title: '图'.repeat(46) }])).rejects.toThrow(
      /45 characters/,
    );
    await expect(client.sendArticles(['FSUID_A'], [])).rejects.toThrow(RangeError);
    expect(emulator.requests.filter((r) => r.path.includes('/message/'))).toHaveLength(0);
    // Characters, not bytes: 45 Chinese characters are within the limit.
    const { mediaId } = await client.uploadMedia(image);
    await client.sendArticles(
      [emulator.users[0]!.openUserId],
      [{ ...one, coverImage: mediaId, title: '图'.repeat(45) }],
    );
    expect(emulator.messages[0]?.content).toBe('图'.repeat(45));
  });

  it('is refused by the emulator when coverImage is not an uploaded mediaId', async () => {
    const { emulator, client } = await setup();
    const user = emulator.users[0]!;
    const error = await client
      .sendArticles(
        [user.openUserId],
        [{ title: 't', coverImage: 'no-such-media', type: 'TEXT', content: 'body' }],
      )
      .catch((caught: unknown) => caught);
    expect((error as FxiaokeError).errorCode).toBe(CODE.MEDIA_NOT_FOUND);
  });
});

describe('emulator /media/upload', () => {
  async function post(emulator: FxiaokeEmulator, body: FormData | string, contentType?: string, query = '') {
    const token = await fetch(`${emulator.url}/oauth2.0/token?thirdTraceId=${crypto.randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...CREDS, grantType: 'app_secret' }),
    }).then(async (response) => ((await response.json()) as { accessToken: string }).accessToken);
    const response = await fetch(`${emulator.url}/media/upload?thirdTraceId=${crypto.randomUUID()}${query}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'x-fs-ea': 'fs123',
        'x-fs-userid': '1000',
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
    });
    return (await response.json()) as { errorCode: number; mediaId?: string };
  }

  it('answers 90003 for a JSON body and 90005 without the file, without type in the query, or with a bad file', async () => {
    const emulator = await FxiaokeEmulator.start();
    emulators.push(emulator);
    expect((await post(emulator, '{}', 'application/json')).errorCode).toBe(CODE.CONTENT_TYPE_INVALID);
    const file = (name = 'a.png', bytes: Uint8Array = PNG) => {
      const form = new FormData();
      form.append('media', new Blob([bytes], { type: 'image/png' }), name);
      return form;
    };
    expect((await post(emulator, new FormData(), undefined, '&type=image')).errorCode).toBe(
      CODE.PARAM_INVALID,
    );
    // The form-field upload (type as a form field) is refused: type goes in the query string.
    const formType = file();
    formType.append('type', 'image');
    expect((await post(emulator, formType)).errorCode).toBe(CODE.PARAM_INVALID);
    expect((await post(emulator, file('noext'), undefined, '&type=image')).errorCode).toBe(
      CODE.PARAM_INVALID,
    );
    expect((await post(emulator, file('a.webp'), undefined, '&type=image')).errorCode).toBe(
      CODE.PARAM_INVALID,
    );
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    expect((await post(emulator, file('a.png', big), undefined, '&type=image')).errorCode).toBe(
      CODE.PARAM_INVALID,
    );
    expect(emulator.media).toHaveLength(0);
    const answer = await post(emulator, file(), undefined, '&type=image');
    expect(answer).toMatchObject({ errorCode: 0, mediaId: emulator.media[0]?.mediaId });
    expect(emulator.media).toHaveLength(1);
  });
});
