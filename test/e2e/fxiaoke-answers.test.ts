/** How the bridge behaves for each kind of Fxiaoke answer: auth modes, message ids, errors, faults. */
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageIdLocation } from '../../dev/fakes/fxiaoke-emulator.js';
import { Harness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const SEND = '/cgi/app/message/send';

async function commandAndReceipt(h: Harness, text: string) {
  const before = h.slack.messages.length;
  await h.command(text);
  const receipt = await h.receiptAfter(before);
  const record = await h.settledRelayFor(receipt);
  return { receipt, record };
}

describe('Fxiaoke answers', () => {
  it('refreshes the token on 20016 mid-session and still delivers once', async () => {
    harness = await Harness.start();
    const user = harness.emulator.options.users[0]!;
    await commandAndReceipt(harness, `${user.openUserId} first`);
    expect(harness.emulator.tokenFetches()).toBe(1);
    harness.emulator.expireAllTokens();
    const { record } = await commandAndReceipt(harness, `${user.openUserId} second`);
    expect(record.status).toBe('sent');
    expect(harness.emulator.tokenFetches()).toBe(2);
    const sends = harness.emulator.requestsTo(SEND);
    expect(sends.map((request) => (request.response as { errorCode: number }).errorCode)).toEqual([
      0, 20016, 0,
    ]);
    expect(harness.emulator.messages).toHaveLength(2);
  });

  it('answers an unknown recipient (20012) privately with the code and traceId, and posts no receipt', async () => {
    harness = await Harness.start();
    const { responseUrl } = await harness.command('FSUID_00000000000000000000000000000bad hello');
    const [answer] = await harness.responsesTo(responseUrl);
    const trace = (harness.emulator.requestsTo(SEND)[0]!.response as { traceId: string }).traceId;
    expect(answer).toContain('20012');
    expect(answer).toContain(trace);
    expect(answer).toContain('does not exist');
    expect(harness.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(harness.emulator.messages).toHaveLength(0);
  });

  it('sends through /cgi/message/send without a service account and explains why it cannot revoke', async () => {
    harness = await Harness.start({ env: { FXIAOKE_SERVICE_ID: undefined } });
    const user = harness.emulator.options.users[0]!;
    const { receipt } = await commandAndReceipt(harness, `${user.openUserId} plain send`);
    expect(harness.emulator.requestsTo('/cgi/message/send')).toHaveLength(1);
    expect(harness.emulator.requestsTo(SEND)).toHaveLength(0);
    expect(JSON.stringify(receipt.blocks)).toContain('without a Fxiaoke service account');
    expect(JSON.stringify(receipt.blocks)).not.toContain('fx_revoke');
    const { responseUrl } = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    expect((await harness.responsesTo(responseUrl))[0]).toContain('cannot be revoked');
    expect(harness.emulator.requestsTo('/cgi/app/message/revoke')).toHaveLength(0);
  });

  it('works in legacy auth mode (corpAccessToken in the body, no auth headers)', async () => {
    harness = await Harness.start({ env: { FXIAOKE_AUTH_MODE: 'legacy', FXIAOKE_USER_ID: undefined } });
    const user = harness.emulator.options.users[0]!;
    const { receipt } = await commandAndReceipt(harness, `${user.openUserId} legacy`);
    expect(harness.emulator.requestsTo('/cgi/corpAccessToken/get/V2')).toHaveLength(1);
    expect(harness.emulator.requestsTo('/oauth2.0/token')).toHaveLength(0);
    const send = harness.emulator.requestsTo(SEND)[0]!;
    expect(send.body).toMatchObject({ corpId: harness.emulator.options.corpId });
    expect(send.headers.authorization).toBeUndefined();
    const { responseUrl } = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    expect((await harness.responsesTo(responseUrl))[0]).toContain('Revoked relay');
  });

  it.each<[MessageIdLocation, boolean]>([
    ['top', true],
    ['data', true],
    ['top-number', true],
    ['data-number', true],
    ['none', false],
  ])('reads the message id when it is at %s', async (location, revocable) => {
    harness = await Harness.start({ emulator: { messageIdLocation: location } });
    const user = harness.emulator.options.users[0]!;
    const { receipt, record } = await commandAndReceipt(harness, `${user.openUserId} id at ${location}`);
    const delivered = harness.emulator.messages[0]!;
    expect(record.batches[0]!.messageId).toBe(revocable ? delivered.messageId : undefined);
    const { responseUrl } = await harness.revokeByShortcut(receipt.channel, receipt.ts);
    const [answer] = await harness.responsesTo(responseUrl);
    if (revocable) {
      expect(answer).toContain('Revoked relay');
      expect(harness.emulator.messages[0]!.revoked).toBe(true);
    } else {
      expect(JSON.stringify(receipt.blocks)).toContain('returned no message id');
      expect(answer).toContain('returned no message id');
    }
  });

  it('does not repeat a send whose answer was lost, and says the outcome is unknown', async () => {
    harness = await Harness.start();
    harness.emulator.addFault({ fault: { type: 'accept-then-reset' }, path: SEND });
    const user = harness.emulator.options.users[0]!;
    const { responseUrl } = await harness.command(`${user.openUserId} lost answer`);
    const [answer] = await harness.responsesTo(responseUrl);
    expect(answer).toContain('may or may not');
    expect(harness.emulator.requestsTo(SEND)).toHaveLength(1);
    expect(harness.emulator.messages).toHaveLength(1);
    const [record] = await harness.bridge.store.listBySender('U0SENDER', 1);
    expect(record?.status).toBe('unknown');
    expect(record?.batches[0]?.status).toBe('unknown');
  });

  it('retries busy answers and gateway 503s, then delivers exactly once', async () => {
    harness = await Harness.start();
    harness.emulator.addFault({ fault: { type: 'error', errorCode: -1 }, path: SEND });
    harness.emulator.addFault({ fault: { type: 'http', status: 503 }, path: SEND });
    const user = harness.emulator.options.users[0]!;
    const { record } = await commandAndReceipt(harness, `${user.openUserId} busy then fine`);
    expect(record.status).toBe('sent');
    expect(harness.emulator.requestsTo(SEND)).toHaveLength(3);
    expect(harness.emulator.messages).toHaveLength(1);
    const thirdTraceIds = harness.emulator.requestsTo(SEND).map((request) => request.query.thirdTraceId);
    expect(new Set(thirdTraceIds).size).toBe(3);
  });

  it('stops on the daily quota (30002) without retrying and says when it resets', async () => {
    harness = await Harness.start();
    harness.emulator.addFault({ fault: { type: 'error', errorCode: 30002 }, path: SEND });
    const user = harness.emulator.options.users[0]!;
    const { responseUrl } = await harness.command(`${user.openUserId} over quota`);
    const [answer] = await harness.responsesTo(responseUrl);
    expect(answer).toContain('30002');
    expect(answer).toContain('00:00 China time');
    expect(harness.emulator.requestsTo(SEND)).toHaveLength(1);
  });
});
