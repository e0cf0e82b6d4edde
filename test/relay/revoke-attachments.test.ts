/** Revoking a relay with images: every Fxiaoke message of every batch, each recorded, idempotently. */
import { describe, expect, it } from 'vitest';
import { sendRelay } from '../../src/relay/carry-out.js';
import { revokeRelay } from '../../src/relay/revoke.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { CAT, fileRequest, standardFiles } from './fake-files.js';
import { fxError } from './fake-fxiaoke.js';
import { testRelay } from './relay-deps.js';

async function sentWithImages(recipients = ['FSUID_A1']) {
  const relay = testRelay();
  relay.deps.files = standardFiles();
  const outcome = await sendRelay(relay.deps, fileRequest({ recipientsInput: recipients }));
  if (outcome.type !== 'finished') throw new Error(`expected finished, got ${outcome.type}`);
  return { ...relay, record: outcome.record };
}

function revoke(relay: { deps: Parameters<typeof revokeRelay>[0] }, record: RelayRecord) {
  return revokeRelay(relay.deps, { target: { relayId: record.id }, actorId: 'U0SENDER' });
}

describe('revokeRelay with image messages', () => {
  it('revokes the text and the articles message of every batch, recording each', async () => {
    const relay = await sentWithImages(Array.from({ length: 600 }, (_, i) => String(1001 + i)));
    const outcome = await revoke(relay, relay.record);
    expect(outcome.type).toBe('revoked');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-1', 'art-1', 'msg-2', 'art-2']);
    const stored = await relay.store.findById(relay.record.id);
    expect(stored?.status).toBe('revoked');
    for (const batch of stored?.batches ?? []) {
      expect(batch.status).toBe('revoked');
      expect(batch.extraMessages?.[0]).toMatchObject({
        status: 'revoked',
        revokeTraceId: `trace-revoke-${batch.extraMessages?.[0]?.messageId}`,
      });
    }
    // Idempotent: nothing left to call Fxiaoke for.
    expect((await revoke(relay, relay.record)).type).toBe('already_revoked');
    expect(relay.fake.revokes).toHaveLength(4);
  });

  it('keeps the relay revocable when an articles revoke fails, and revokes only that one the second time', async () => {
    const relay = await sentWithImages();
    relay.fake.scriptRevoke({}, fxError({ errorCode: 90410, traceId: 'E-LATE' }));
    const first = await revoke(relay, relay.record);
    expect(first.type).toBe('revoke_failed');
    if (first.type !== 'revoke_failed') return;
    expect(first.error).toMatchObject({ code: 90410, traceId: 'E-LATE' });
    expect(first.record.status).toBe('partial');
    expect(first.record.batches[0]?.status).toBe('revoked');
    expect(first.record.batches[0]?.extraMessages?.[0]).toMatchObject({
      status: 'sent',
      revokeError: { code: 90410 },
    });

    const second = await revoke(relay, relay.record);
    expect(second.type).toBe('revoked');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-1', 'art-1', 'art-1']);
    if (second.type === 'revoked')
      expect(second.record.batches[0]?.extraMessages?.[0]?.revokeError).toBeUndefined();
  });

  it('says which image messages cannot be revoked: no id, or an outcome never confirmed', async () => {
    const relay = testRelay();
    const extra = { kind: 'articles' as const, attachments: [0], thirdTraceId: 't' };
    const record = makeRecord({
      senderId: 'U0SENDER',
      serviceId: 'FSAID_FAKE',
      status: 'sent',
      attachments: [{ ...CAT, status: 'uploaded', mediaId: 'media-1' }],
      batches: [
        {
          ...makeBatch(0, { status: 'sent', messageId: 'msg-0' }),
          extraMessages: [
            { ...extra, status: 'sent' },
            { ...extra, status: 'unknown' },
          ],
        },
      ],
    });
    await relay.store.create(record);
    const outcome = await revoke(relay, record);
    expect(outcome.type).toBe('revoke_failed');
    if (outcome.type !== 'revoke_failed') return;
    expect(outcome.error.kind).toBe('outcome_unknown');
    expect(outcome.error.message).toBe(
      'Everything revocable was revoked, but not 1 image message whose delivery Fxiaoke never confirmed or 1 image message Fxiaoke returned no message id for: those cannot be revoked.',
    );
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0']);
  });

  it('reads an old record (no extraMessages, no attachments) as before', async () => {
    const relay = testRelay();
    const record = makeRecord({
      senderId: 'U0SENDER',
      serviceId: 'FSAID_FAKE',
      status: 'sent',
      batches: [makeBatch(0, { status: 'sent', messageId: 'msg-0' })],
    });
    await relay.store.create(record);
    expect((await revoke(relay, record)).type).toBe('revoked');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0']);
  });
});
