import { describe, expect, it, vi } from 'vitest';
import { revokeMayHaveLanded } from '../../src/relay/copies.js';
import { relayDeps } from '../../src/relay/deps.js';
import { claimLease } from '../../src/relay/lease.js';
import { carryOutRevoke, mayActOn, type RevokeOutcome, revokeRelay } from '../../src/relay/revoke.js';
import type { RelayBatch, RelayRecord } from '../../src/relay/types.js';
import { makeBatch, makeRecord, makeSlackRef } from '../store/records.js';
import { deferred, FakeFxiaoke, fxError, REVOKE_PATH, type RevokeCall } from './fake-fxiaoke.js';
import { START, type TestRelay, testRelay } from './relay-deps.js';

const SENDER = 'U0SENDER';

function sentBatch(index: number, overrides: Partial<RelayBatch> = {}): RelayBatch {
  return makeBatch(index, {
    status: 'sent',
    traceId: `E-SEND-${index}`,
    messageId: `msg-${index}`,
    sentAt: START,
    ...overrides,
  });
}

/** Puts a relay into the store as the send use-case would have left it. */
async function stored(relay: TestRelay, overrides: Partial<RelayRecord> = {}): Promise<RelayRecord> {
  const record = makeRecord({ senderId: SENDER, status: 'sent', batches: [sentBatch(0)], ...overrides });
  const created = await relay.store.create(record);
  if (!created.created) throw new Error('test record collided');
  return created.record;
}

function byRef(record: RelayRecord) {
  if (!record.slack) throw new Error('record has no Slack ref');
  return { target: { ref: record.slack }, actorId: SENDER };
}

function recordOf(outcome: RevokeOutcome): RelayRecord {
  if (outcome.type === 'not_found') throw new Error('no record in a not_found outcome');
  return outcome.record;
}

describe('revokeRelay: answers that need no Fxiaoke call', () => {
  it('answers not_found for an unknown Slack message or relay id', async () => {
    const relay = testRelay();
    await stored(relay);
    expect(
      await revokeRelay(relay.deps, { target: { ref: makeSlackRef('9.999999') }, actorId: SENDER }),
    ).toEqual({ type: 'not_found' });
    expect(await revokeRelay(relay.deps, { target: { relayId: 'rl_nope' }, actorId: SENDER })).toEqual({
      type: 'not_found',
    });
    expect(relay.fake.revokes).toHaveLength(0);
  });

  it('forbids a stranger and leaves the relay as it was', async () => {
    const relay = testRelay();
    const record = await stored(relay);
    const outcome = await revokeRelay(relay.deps, { target: { relayId: record.id }, actorId: 'U0STRANGER' });
    expect(outcome.type).toBe('forbidden');
    expect(relay.fake.revokes).toHaveLength(0);
    expect(await relay.store.findById(record.id)).toStrictEqual(record);
  });

  it('answers already_revoked for a revoked relay', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      status: 'revoked',
      revokedBy: SENDER,
      batches: [sentBatch(0, { status: 'revoked', revokeTraceId: 'E-REV' })],
    });
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(outcome.type).toBe('already_revoked');
    expect(relay.fake.revokes).toHaveLength(0);
  });

  it('answers in_progress while the relay is still being sent or revoked', async () => {
    const relay = testRelay();
    for (const status of ['pending', 'revoking'] as const) {
      const record = await stored(relay, { status });
      const outcome = await revokeRelay(relay.deps, byRef(record));
      expect(outcome.type).toBe('in_progress');
      expect((await relay.store.findById(record.id))?.status).toBe(status);
    }
    expect(relay.fake.revokes).toHaveLength(0);
  });

  it('answers nothing_sent for a failed relay', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      status: 'failed',
      batches: [
        makeBatch(0, {
          status: 'failed',
          error: { kind: 'recipient', code: 20012, message: 'No such user.' },
        }),
      ],
    });
    expect((await revokeRelay(relay.deps, byRef(record))).type).toBe('nothing_sent');
    expect(relay.fake.revokes).toHaveLength(0);
  });

  it('answers not_revocable / no_service_account for a plain send', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      serviceId: undefined,
      batches: [sentBatch(0, { messageId: undefined })],
    });
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(outcome).toMatchObject({ type: 'not_revocable', reason: 'no_service_account' });
    expect(relay.fake.revokes).toHaveLength(0);
    expect((await relay.store.findById(record.id))?.status).toBe('sent');
  });

  it('answers not_revocable / no_message_id when Fxiaoke gave no message id', async () => {
    const relay = testRelay();
    const record = await stored(relay, { batches: [sentBatch(0, { messageId: undefined })] });
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(outcome).toMatchObject({ type: 'not_revocable', reason: 'no_message_id' });
    expect(relay.fake.revokes).toHaveLength(0);
    expect((await relay.store.findById(record.id))?.status).toBe('sent');
  });

  it('answers not_revocable for an unknown relay: no batch has a message id to revoke', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      status: 'unknown',
      batches: [
        makeBatch(0, { status: 'unknown', error: { kind: 'transport_unknown', message: 'Timeout.' } }),
      ],
    });
    expect((await revokeRelay(relay.deps, byRef(record))).type).toBe('not_revocable');
    expect(relay.fake.revokes).toHaveLength(0);
  });
});

describe('revokeRelay: revoking', () => {
  it('lets the sender revoke by Slack message; every batch gets its revoke traceId', async () => {
    const relay = testRelay();
    const record = await stored(relay, { batches: [sentBatch(0), sentBatch(1), sentBatch(2)] });
    relay.clock.now = START + 5_000;

    const outcome = await revokeRelay(relay.deps, byRef(record));

    expect(outcome.type).toBe('revoked');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0', 'msg-1', 'msg-2']);
    const revoked = recordOf(outcome);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revokedBy).toBe(SENDER);
    expect(revoked.revokedAt).toBe(START + 5_000);
    expect(revoked.batches.map((batch) => [batch.status, batch.revokeTraceId, batch.revokedAt])).toEqual([
      ['revoked', 'trace-revoke-msg-0', START + 5_000],
      ['revoked', 'trace-revoke-msg-1', START + 5_000],
      ['revoked', 'trace-revoke-msg-2', START + 5_000],
    ]);
    expect(revoked.batches.map((batch) => batch.traceId)).toEqual(['E-SEND-0', 'E-SEND-1', 'E-SEND-2']);
    expect(await relay.store.findById(record.id)).toStrictEqual(revoked);
  });

  it('lets an admin revoke someone else’s relay by id', async () => {
    const relay = testRelay();
    const record = await stored(relay);
    expect(mayActOn(relay.deps, record, 'U0ADMIN')).toBe(true);
    expect(mayActOn(relay.deps, record, 'U0STRANGER')).toBe(false);
    const outcome = await revokeRelay(relay.deps, { target: { relayId: record.id }, actorId: 'U0ADMIN' });
    expect(outcome.type).toBe('revoked');
    expect(recordOf(outcome).revokedBy).toBe('U0ADMIN');
  });

  it('revokes only the accepted batches of a partial relay', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      status: 'partial',
      batches: [
        sentBatch(0),
        makeBatch(1, {
          status: 'failed',
          error: { kind: 'recipient', code: 20012, message: 'No such user.' },
        }),
        sentBatch(2),
      ],
    });
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(outcome.type).toBe('revoked');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0', 'msg-2']);
    expect(recordOf(outcome).batches.map((batch) => batch.status)).toEqual(['revoked', 'failed', 'revoked']);
  });

  it('reports a failed batch, restores the status, and retries only what is left', async () => {
    const relay = testRelay();
    const record = await stored(relay, { batches: [sentBatch(0), sentBatch(1)] });
    relay.fake.scriptRevoke(
      {},
      fxError({ errorCode: -2, traceId: 'E-REVOKE-FAIL', path: '/cgi/app/message/revoke' }),
    );

    const first = await revokeRelay(relay.deps, byRef(record));

    expect(first.type).toBe('revoke_failed');
    if (first.type !== 'revoke_failed') return;
    expect(first.error).toMatchObject({ code: -2, traceId: 'E-REVOKE-FAIL', kind: 'transient' });
    expect(first.record.status).toBe('sent');
    expect(first.record.revokedBy).toBeUndefined();
    expect(first.record.batches[0]).toMatchObject({ status: 'revoked', revokeTraceId: 'trace-revoke-msg-0' });
    expect(first.record.batches[1]).toMatchObject({
      status: 'sent',
      revokeError: { code: -2, traceId: 'E-REVOKE-FAIL' },
    });
    expect(await relay.store.findById(record.id)).toStrictEqual(first.record);

    const second = await revokeRelay(relay.deps, byRef(record));

    expect(second.type).toBe('revoked');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0', 'msg-1', 'msg-1']);
    const done = recordOf(second);
    expect(done.status).toBe('revoked');
    expect(done.batches[1]?.revokeError).toBeUndefined();
    expect(done.batches.map((batch) => batch.revokeTraceId)).toEqual([
      'trace-revoke-msg-0',
      'trace-revoke-msg-1',
    ]);
  });

  it('restores a partial relay to partial when its only revoke fails', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      status: 'partial',
      batches: [sentBatch(0), makeBatch(1, { status: 'failed', error: { kind: 'recipient', message: 'x' } })],
    });
    relay.fake.scriptRevoke(new Error('socket hang up'));
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(outcome.type).toBe('revoke_failed');
    expect(outcome.type === 'revoke_failed' && outcome.error.kind).toBe('internal');
    expect((await relay.store.findById(record.id))?.status).toBe('partial');
  });

  it('revokes what has a message id and reports the rest as not revocable', async () => {
    const relay = testRelay();
    const record = await stored(relay, { batches: [sentBatch(0), sentBatch(1, { messageId: undefined })] });
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(outcome.type).toBe('revoke_failed');
    if (outcome.type !== 'revoke_failed') return;
    expect(outcome.error.kind).toBe('no_message_id');
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0']);
    expect(outcome.record.batches.map((batch) => batch.status)).toEqual(['revoked', 'sent']);
    expect(outcome.record.status).toBe('sent');
  });

  it('does not call a relay revoked while one of its batches may have been delivered', async () => {
    const relay = testRelay();
    const record = await stored(relay, {
      status: 'partial',
      batches: [
        sentBatch(0),
        makeBatch(1, { status: 'unknown', error: { kind: 'transport_unknown', message: 'Timeout.' } }),
      ],
    });
    const outcome = await revokeRelay(relay.deps, byRef(record));
    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0']);
    expect(outcome.type).toBe('revoke_failed');
    const after = recordOf(outcome);
    expect(after.status).toBe('partial');
    expect(after.batches.map((batch) => batch.status)).toEqual(['revoked', 'unknown']);
  });

  it('revokes each batch once when ten revokes of the same relay race', async () => {
    const relay = testRelay();
    const record = await stored(relay, { batches: [sentBatch(0), sentBatch(1)] });
    const gate = deferred();
    const held = async (_call: RevokeCall) => {
      await gate.promise;
      return {};
    };
    relay.fake.scriptRevoke(held, held);

    const racing = Array.from({ length: 10 }, (_, index) =>
      revokeRelay(relay.deps, { target: { ref: record.slack! }, actorId: index % 2 ? SENDER : 'U0ADMIN' }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve();
    const outcomes = await Promise.all(racing);

    expect(relay.fake.revokes.map((call) => call.messageId)).toEqual(['msg-0', 'msg-1']);
    const types = outcomes.map((outcome) => outcome.type);
    expect(types.filter((type) => type === 'revoked')).toHaveLength(1);
    expect(types.filter((type) => type !== 'revoked').every((type) => type === 'in_progress')).toBe(true);
    expect((await relay.store.findById(record.id))?.status).toBe('revoked');

    const late = await revokeRelay(relay.deps, byRef(record));
    expect(late.type).toBe('already_revoked');
    expect(relay.fake.revokes).toHaveLength(2);
  });

  it('keeps a lost revoke uncertain through later refusals, until a revoke succeeds', async () => {
    const relay = testRelay();
    const record = await stored(relay);
    const lost = fxError({ kind: 'transport', mayHaveBeenDelivered: true, path: REVOKE_PATH });
    const refusal = (traceId: string) => fxError({ errorCode: 90409, traceId, path: REVOKE_PATH });
    relay.fake.scriptRevoke(lost, refusal('E-REFUSED-1'), refusal('E-REFUSED-2'), {});

    const first = await revokeRelay(relay.deps, byRef(record));
    expect(first.type === 'revoke_failed' && first.error.kind).toBe('revoke_uncertain');
    expect(revokeMayHaveLanded(recordOf(first))).toBe(true);

    for (const traceId of ['E-REFUSED-1', 'E-REFUSED-2']) {
      const refused = await revokeRelay(relay.deps, byRef(record));
      expect(refused.type).toBe('revoke_failed');
      if (refused.type !== 'revoke_failed') return;
      // The latest answer is shown, and the doubt stays: the lost revoke may have landed.
      expect(refused.error).toMatchObject({ kind: 'revoke_uncertain', code: 90409, traceId });
      expect(refused.error.message).toContain(
        'An earlier revoke whose answer was lost may already have worked.',
      );
      expect(refused.record.status).toBe('sent');
      expect(refused.record.batches[0]?.revokeError).toMatchObject({ kind: 'revoke_uncertain', traceId });
      expect(revokeMayHaveLanded(refused.record)).toBe(true);
    }

    const settled = await revokeRelay(relay.deps, byRef(record));
    expect(settled.type).toBe('revoked');
    expect(recordOf(settled).batches[0]?.revokeError).toBeUndefined();
    expect(revokeMayHaveLanded(recordOf(settled))).toBe(false);
  });

  it('keeps a revoke uncertain when its process died after the call left: the next one\'s refusal is no "not revoked"', async () => {
    const relay = testRelay();
    const record = await stored(relay);
    // The first process's call leaves and never comes back: it was killed.
    const never = deferred<never>();
    relay.fake.scriptRevoke(() => never.promise);
    void revokeRelay(relay.deps, byRef(record));
    await vi.waitFor(async () =>
      expect((await relay.store.findById(record.id))?.batches[0]?.revokeDispatchedAt).toBeDefined(),
    );
    const left = await relay.store.findById(record.id);
    expect(left?.status).toBe('revoking');
    expect(revokeMayHaveLanded(left!)).toBe(true);

    // The next process takes the revoke over once the lease ran out; Fxiaoke refuses ("already revoked").
    relay.clock.now += relay.deps.leaseMs + 1;
    const next = relayDeps({ ...relay.deps, instanceId: 'fxb_next' });
    const mine = await claimLease(next, left!);
    relay.fake.scriptRevoke(fxError({ errorCode: 90409, traceId: 'E-AGAIN', path: REVOKE_PATH }));
    const outcome = await carryOutRevoke(next, mine!);
    expect(outcome.type).toBe('revoke_failed');
    if (outcome.type !== 'revoke_failed') return;
    expect(outcome.error).toMatchObject({ kind: 'revoke_uncertain', code: 90409, traceId: 'E-AGAIN' });
    expect(outcome.record.batches[0]?.revokeDispatchedAt).toBeUndefined();
    expect(revokeMayHaveLanded(outcome.record)).toBe(true);
  });

  it('settles a lost revoke as revoked when Fxiaoke then answers a listed done code, and only then', async () => {
    const relay = testRelay({ fake: new FakeFxiaoke({ revokeDoneCodes: [90409] }) });
    const record = await stored(relay);
    const other = await stored(relay);
    const lost = fxError({ kind: 'transport', mayHaveBeenDelivered: true, path: REVOKE_PATH });
    const done = fxError({ errorCode: 90409, traceId: 'E-DONE', path: REVOKE_PATH });
    relay.fake.scriptRevoke(lost, done, done);

    await revokeRelay(relay.deps, byRef(record));
    const settled = await revokeRelay(relay.deps, byRef(record));
    expect(settled.type).toBe('revoked');
    expect(recordOf(settled).batches[0]).toMatchObject({ status: 'revoked', revokeTraceId: 'E-DONE' });

    // Without a lost revoke before it, the same code is a refusal like any other.
    const plain = await revokeRelay(relay.deps, byRef(other));
    expect(plain.type === 'revoke_failed' && plain.error).toMatchObject({ code: 90409 });
    expect(plain.type === 'revoke_failed' && plain.error.kind).not.toBe('revoke_uncertain');
  });

  it('reports every outcome to the observer', async () => {
    const relay = testRelay();
    const record = await stored(relay);
    await revokeRelay(relay.deps, { target: { relayId: 'rl_nope' }, actorId: SENDER });
    await revokeRelay(relay.deps, { target: { relayId: record.id }, actorId: 'U0STRANGER' });
    await revokeRelay(relay.deps, byRef(record));
    await revokeRelay(relay.deps, byRef(record));
    expect(relay.observed.revokesFinished).toEqual(['not_found', 'forbidden', 'revoked', 'already_revoked']);
  });
});
