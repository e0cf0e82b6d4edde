/**
 * Cards (`msgType: "composite"`) through the real client against the strict emulator: the body
 * shape of the doc page "Send Compound Message", the same ids, endpoints, convertUserId rules,
 * retries and errors as a text, and a service-account card revoked by its message id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cardText } from '../../dev/demo/inbox.js';
import { type EmulatorOptions, FxiaokeEmulator, PATHS } from '../../dev/fakes/fxiaoke-emulator.js';
import { FxiaokeClient, type FxiaokeClientOptions } from '../../src/fxiaoke/client.js';
import { FxiaokeError } from '../../src/fxiaoke/errors.js';
import { type CompositeCard, MAX_CARD_TEXT, MAX_CARD_TITLE } from '../../src/fxiaoke/interface.js';

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
) {
  const emulator = await FxiaokeEmulator.start(emulatorOptions);
  emulators.push(emulator);
  const sleeps: number[] = [];
  const client = new FxiaokeClient({
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
  const openIds = emulator.users.filter((user) => !user.isStop).map((user) => user.openUserId);
  return { emulator, client, sleeps, openIds };
}

async function fxError(promise: Promise<unknown>): Promise<FxiaokeError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (caught instanceof FxiaokeError) return caught;
  throw new Error(`expected a FxiaokeError, got ${String(caught)}`);
}

const CARD: CompositeCard = {
  head: { title: 'alice in #general (Slack)' },
  first: { content: 'The deck is ready' },
  form: [{ label: 'Files in Slack, not forwarded', value: 'notes.txt' }],
  link: { title: 'Open in Slack', url: 'https://fx-test.slack.com/archives/C0CHANNEL/p1700000123000200' },
};

describe('FxiaokeClient.sendComposite', () => {
  it('sends the card under `composite` on /cgi/message/send, with convertUserId for openUserIds', async () => {
    const { emulator, client, openIds } = await setup();
    const result = await client.sendComposite(openIds.slice(0, 2), CARD, {
      thirdTraceId: crypto.randomUUID(),
    });
    const body = emulator.requestsTo(PATHS.send)[0]?.body as Json;
    expect(body).toEqual({
      toUser: openIds.slice(0, 2),
      msgType: 'composite',
      composite: CARD,
      convertUserId: true,
    });
    expect(emulator.messages[0]?.card).toEqual(CARD);
    expect(result).toMatchObject({ traceId: emulator.messages[0]?.traceId, messageIdSource: 'none' });
    expect(result.messageId).toBeUndefined();
    // The demo inbox shows it as a card, link included.
    expect(cardText(CARD)).toBe(
      '[card] alice in #general (Slack)\nThe deck is ready\nFiles in Slack, not forwarded: notes.txt\n→ Open in Slack: https://fx-test.slack.com/archives/C0CHANNEL/p1700000123000200',
    );
  });

  it('employee ids go without convertUserId, as for a text', async () => {
    const { emulator, client } = await setup();
    const employeeId = emulator.users[0]?.employeeId ?? '';
    await client.sendComposite([employeeId], CARD);
    expect((emulator.requestsTo(PATHS.send)[0]?.body as Json | undefined)?.convertUserId).toBeUndefined();
    expect(emulator.messages[0]?.toUser).toEqual([employeeId]);
  });

  it('with a service account: /cgi/app/message/send with serviceId, its message id comes back and revokes it', async () => {
    const { emulator, client, openIds } = await setup(
      { messageIdLocation: 'top' },
      { serviceId: SERVICE_ID },
    );
    const result = await client.sendComposite([openIds[0] ?? ''], CARD);
    expect((emulator.requestsTo(PATHS.appSend)[0]?.body as Json | undefined)?.serviceId).toBe(SERVICE_ID);
    expect(result.messageId).toBe(emulator.messages[0]?.messageId);
    await client.revoke(result.messageId ?? '');
    expect(emulator.messages[0]).toMatchObject({ msgType: 'composite', revoked: true });
  });

  it('a busy answer is retried with a fresh thirdTraceId; a timeout after dispatch is never repeated', async () => {
    const { emulator, client, openIds, sleeps } = await setup({}, { timeoutMs: 300 });
    emulator.addFault({ path: PATHS.send, fault: { type: 'error', errorCode: -1 } });
    await client.sendComposite([openIds[0] ?? ''], CARD);
    const sends = emulator.requestsTo(PATHS.send);
    expect(sends).toHaveLength(2);
    expect(sends[0]?.query.thirdTraceId).not.toBe(sends[1]?.query.thirdTraceId);
    expect(sleeps).toHaveLength(1);

    emulator.addFault({ path: PATHS.send, fault: { type: 'error-after-delivery' } });
    const error = await fxError(client.sendComposite([openIds[0] ?? ''], CARD));
    expect(error.mayHaveBeenDelivered).toBe(true);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(3);
  });

  it('a recipient Fxiaoke does not know is a recipient error with its traceId, not retried', async () => {
    const { emulator, client } = await setup();
    const error = await fxError(client.sendComposite([`FSUID_${'0'.repeat(32)}`], CARD));
    expect(error.kind).toBe('recipient');
    expect(error.traceId).toMatch(/^E-O\.emu\./);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(1);
  });

  it('refuses a card Fxiaoke would refuse, or one over the limits, before anything is sent', async () => {
    const { emulator, client, openIds } = await setup();
    const to = [openIds[0] ?? ''];
    const bad: [string, CompositeCard][] = [
      ['blank title', { ...CARD, head: { title: '  ' } }],
      ['no link url', { ...CARD, link: { title: 'Open', url: '' } }],
      ['title too long', { ...CARD, head: { title: 'x'.repeat(MAX_CARD_TITLE + 1) } }],
      ['text too long', { ...CARD, first: { content: 'x'.repeat(MAX_CARD_TEXT + 1) } }],
    ];
    for (const [what, card] of bad) {
      await expect(client.sendComposite(to, card), what).rejects.toThrow(RangeError);
    }
    await expect(client.sendComposite([], CARD)).rejects.toThrow(RangeError);
    expect(emulator.requestsTo(PATHS.send)).toHaveLength(0);
    // Emoji count as one character each, as a reader counts them.
    await client.sendComposite(to, { ...CARD, head: { title: '🎉'.repeat(MAX_CARD_TITLE) } });
    expect(emulator.messages).toHaveLength(1);
  });

  it('leaves out empty optional parts instead of sending them empty', async () => {
    const { emulator, client, openIds } = await setup();
    await client.sendComposite([openIds[0] ?? ''], {
      ...CARD,
      first: { content: ' ' },
      form: [{ label: '', value: '' }],
      remark: { content: '' },
    });
    expect(emulator.messages[0]?.card).toEqual({ head: CARD.head, link: CARD.link });
  });
});
