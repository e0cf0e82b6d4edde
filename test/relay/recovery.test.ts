import { describe, expect, it } from 'vitest';
import { recoverInterruptedRelays } from '../../src/relay/recovery.js';
import { revokeRelay } from '../../src/relay/revoke.js';
import type { RelayBatch, RelayRecord } from '../../src/relay/types.js';
import { BASE_TIME, makeBatch, makeRecord } from '../store/records.js';
import { type TestRelay, testRelay } from './relay-deps.js';

function sent(index: number, overrides: Partial<RelayBatch> = {}): RelayBatch {
  return makeBatch(index, { status: 'sent', traceId: `E-${index}`, messageId: `msg-${index}`, ...overrides });
}

async function put(relay: TestRelay, overrides: Partial<RelayRecord>): Promise<RelayRecord> {
  const record = makeRecord(overrides);
  await relay.store.create(record);
  return record;
}

describe('recoverInterruptedRelays', () => {
  it('turns pending batches into unknown ones and derives the relay status', async () => {
    const relay = testRelay();
    const nothingAnswered = await put(relay, { status: 'pending', batches: [makeBatch(0), makeBatch(1)] });
    const halfway = await put(relay, { status: 'pending', batches: [sent(0), makeBatch(1)] });
    const allAnswered = await put(relay, { status: 'pending', batches: [sent(0), sent(1)] });
    const refusedThenCrashed = await put(relay, {
      status: 'pending',
      batches: [makeBatch(0, { status: 'failed', error: { kind: 'recipient', message: 'x' } }), makeBatch(1)],
    });

    const recovered = await recoverInterruptedRelays(relay.deps);

    const statusOf = (record: RelayRecord) => recovered.find((each) => each.id === record.id)?.status;
    expect(recovered).toHaveLength(4);
    expect(statusOf(nothingAnswered)).toBe('unknown');
    expect(statusOf(halfway)).toBe('partial');
    expect(statusOf(allAnswered)).toBe('sent');
    expect(statusOf(refusedThenCrashed)).toBe('unknown');

    const stored = await relay.store.findById(halfway.id);
    expect(stored?.status).toBe('partial');
    expect(stored?.batches[0]).toEqual(sent(0));
    expect(stored?.batches[1]?.status).toBe('unknown');
    expect(stored?.batches[1]?.error).toMatchObject({ kind: 'interrupted' });
    expect(stored?.batches[1]?.error?.message).toMatch(/may or may not/);
    expect(stored?.batches[1]?.thirdTraceId).toBe('third-1');
    expect(relay.log.messages('warn')).toEqual(Array(4).fill('recovered an interrupted relay'));
  });

  it('puts a relay interrupted while revoking back to what its batches say', async () => {
    const relay = testRelay();
    const notYet = await put(relay, { status: 'revoking', batches: [sent(0), sent(1)] });
    const partial = await put(relay, {
      status: 'revoking',
      batches: [sent(0), makeBatch(1, { status: 'failed', error: { kind: 'recipient', message: 'x' } })],
    });

    await recoverInterruptedRelays(relay.deps);

    expect((await relay.store.findById(notYet.id))?.status).toBe('sent');
    expect((await relay.store.findById(partial.id))?.status).toBe('partial');
    // The relay can be revoked again afterwards.
    const outcome = await revokeRelay(relay.deps, {
      target: { relayId: notYet.id },
      actorId: notYet.senderId,
    });
    expect(outcome.type).toBe('revoked');
  });

  it('leaves finished relays alone and calls no Fxiaoke API', async () => {
    const relay = testRelay();
    const untouched = await Promise.all(
      (['sent', 'partial', 'failed', 'revoked', 'unknown'] as const).map((status) =>
        put(relay, { status, batches: [sent(0)] }),
      ),
    );
    expect(await recoverInterruptedRelays(relay.deps)).toEqual([]);
    for (const record of untouched) expect(await relay.store.findById(record.id)).toStrictEqual(record);
    expect(relay.fake.sends).toHaveLength(0);
    expect(relay.fake.revokes).toHaveLength(0);
  });

  it('recovers the oldest first, at most `limit` per run', async () => {
    const relay = testRelay();
    const newer = await put(relay, {
      status: 'pending',
      batches: [makeBatch(0)],
      createdAt: BASE_TIME + 500,
    });
    const older = await put(relay, {
      status: 'pending',
      batches: [makeBatch(0)],
      createdAt: BASE_TIME - 500,
    });
    const first = await recoverInterruptedRelays(relay.deps, { limit: 1 });
    expect(first.map((record) => record.id)).toEqual([older.id]);
    expect((await relay.store.findById(newer.id))?.status).toBe('pending');
    const second = await recoverInterruptedRelays(relay.deps, { limit: 1 });
    expect(second.map((record) => record.id)).toEqual([newer.id]);
  });

  it('skips a relay that changed between listing and recovering it', async () => {
    const relay = testRelay();
    const record = await put(relay, { status: 'pending', batches: [makeBatch(0)] });
    const list = relay.store.listByStatus.bind(relay.store);
    relay.store.listByStatus = async (statuses, limit) => {
      const listed = await list(statuses, limit);
      // Another replica finishes the relay after we listed it.
      await relay.store.update(record.id, { status: 'sent', batches: [sent(0)] });
      return listed;
    };

    expect(await recoverInterruptedRelays(relay.deps)).toEqual([]);
    expect((await relay.store.findById(record.id))?.status).toBe('sent');
    expect(relay.log.messages('info')).toContain('interrupted relay changed while recovering');
  });

  // BUG (src/relay/recovery.ts:10 with src/relay/revoke.ts, final `update(..., 'revoking')`):
  // recovery takes every `revoking` relay as interrupted, including one a live replica is revoking
  // right now (several replicas share the store; one restarting runs recovery). The live revoke's
  // final compare-and-set then fails, revokeRelay throws, and the batch Fxiaoke really revoked is
  // still recorded as `sent`: the map no longer matches Fxiaoke. The same applies to `pending`
  // relays another replica is still sending (they are marked `unknown` mid-send).
  it('keeps what a live revoke did when another replica starts and runs recovery', async () => {
    const relay = testRelay();
    const record = await put(relay, { status: 'sent', batches: [sent(0)] });
    relay.fake.scriptRevoke(async () => {
      await recoverInterruptedRelays(relay.deps); // another replica starting up
      return {};
    });

    const outcome = await revokeRelay(relay.deps, {
      target: { relayId: record.id },
      actorId: record.senderId,
    });

    expect(relay.fake.revokes).toHaveLength(1);
    expect(outcome.type).toBe('revoked');
    expect((await relay.store.findById(record.id))?.batches[0]?.status).toBe('revoked');
  });

  it('leaves relays touched recently alone when told the store is shared', async () => {
    const relay = testRelay();
    const at = (now: number) => ({ createdAt: now, updatedAt: now });
    const old = await put(relay, { status: 'pending', batches: [makeBatch(0)], ...at(relay.clock.now) });
    relay.clock.now += 10 * 60_000;
    const fresh = await put(relay, { status: 'pending', batches: [makeBatch(0)], ...at(relay.clock.now) });

    const recovered = await recoverInterruptedRelays(relay.deps, { staleAfterMs: 5 * 60_000 });

    expect(recovered.map((record) => record.id)).toEqual([old.id]);
    expect((await relay.store.findById(fresh.id))?.status).toBe('pending');
  });
});
