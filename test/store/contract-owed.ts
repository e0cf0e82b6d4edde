import { describe, expect, it } from 'vitest';
import { holdsLease } from '../../src/relay/lease.js';
import { claimOwed, settleOwed } from '../../src/relay/owed.js';
import type { OwedAnswer } from '../../src/relay/types.js';
import { StoreConflictError } from '../../src/store/errors.js';
import type { RelayStore } from '../../src/store/interface.js';
import { rejectionOf } from './contract.js';
import { BASE_TIME, makeBatch, makeRecord } from './records.js';

const quiet = { warn: () => undefined } as never;

/**
 * Part of the RelayStore contract: the lease fences the writes that record work (relay/lease.ts),
 * and answers owed to senders (`owed`, relay/owed.ts) are listed for takeovers until settled.
 */
export function describeRelayStoreOwedContract(getStore: () => RelayStore): void {
  describe('writes fenced on the lease', () => {
    it('lands only while the writer holds the lease, and leaves the new owner’s batches alone', async () => {
      const store = getStore();
      const record = makeRecord({ status: 'pending', lease: { owner: 'fxb_a', until: BASE_TIME + 1 } });
      await store.create(record);
      const a = (current: Parameters<typeof holdsLease>[1]) => holdsLease({ instanceId: 'fxb_a' }, current);
      const first = await store.update(record.id, { batches: [makeBatch(0, { status: 'sent' })] }, a);
      expect(first.batches[0]?.status).toBe('sent');
      // B takes the relay over (A's lease lapsed) and records its own batches.
      const taken = await store.update(record.id, {
        lease: { owner: 'fxb_b', until: BASE_TIME + 99 },
        batches: [makeBatch(0, { status: 'sent', messageId: 'msg-b' })],
      });
      const refused = await rejectionOf(
        store.update(record.id, { batches: [makeBatch(0, { status: 'revoked', messageId: 'msg-a' })] }, a),
      );
      expect(refused).toBeInstanceOf(StoreConflictError);
      expect((refused as StoreConflictError).current).toStrictEqual(taken);
      expect(await store.findById(record.id)).toStrictEqual(taken);
    });
  });

  describe('listOwed', () => {
    const owed = (owner: string, since: number): OwedAnswer => ({
      kind: 'send',
      owner,
      until: since + 10,
      since,
    });

    it('lists the relays owing an answer, oldest first (ties by id), until it is cleared', async () => {
      const store = getStore();
      expect(await store.listOwed(10)).toStrictEqual([]);
      const older = makeRecord({ id: 'rl_ow2', createdAt: BASE_TIME + 5, status: 'sent' });
      const tie = makeRecord({ id: 'rl_ow1', createdAt: BASE_TIME + 5, status: 'held' });
      const created = makeRecord({
        status: 'failed',
        owed: owed('fxb_a', BASE_TIME + 9),
        createdAt: BASE_TIME + 9,
      });
      const told = makeRecord({ status: 'sent', createdAt: BASE_TIME + 1 });
      for (const record of [older, tie, created, told])
        expect((await store.create(record)).created).toBe(true);
      // Owed in the write of the final status, and moving between statuses keeps it listed.
      const a = await store.update(older.id, { owed: owed('fxb_a', BASE_TIME + 20) });
      const b = await store.update(tie.id, { status: 'changed', owed: owed('fxb_a', BASE_TIME + 21) });
      expect(await store.listOwed(10)).toStrictEqual([b, a, created]);
      expect((await store.listOwed(2)).map((r) => r.id)).toStrictEqual([tie.id, older.id]);
      expect(await store.listOwed(0)).toStrictEqual([]);

      const cleared = await store.update(older.id, { owed: undefined });
      expect(cleared.owed).toBeUndefined();
      expect((await store.listOwed(10)).map((r) => r.id)).toStrictEqual([tie.id, created.id]);
    });

    it('is taken over by one process, and cleared only by whoever holds it', async () => {
      const store = getStore();
      const record = makeRecord({ status: 'sent', owed: owed('fxb_dead', BASE_TIME) });
      await store.create(record);
      const deps = (instanceId: string) => ({
        store,
        instanceId,
        leaseMs: 1_000,
        now: () => BASE_TIME + 60_000,
        exclusiveStore: false,
        log: quiet,
        writesAbandoned: () => false,
      });
      const claims = await Promise.all([claimOwed(deps('fxb_b'), record), claimOwed(deps('fxb_c'), record)]);
      const won = claims.filter((claim) => claim !== undefined);
      expect(won).toHaveLength(1);
      const winner = won[0]?.owed?.owner ?? '';
      const loser = winner === 'fxb_b' ? 'fxb_c' : 'fxb_b';
      // The one that lost (or the process that owed it first, only slow) clears nothing.
      await settleOwed(deps(loser), record.id);
      await settleOwed(deps('fxb_dead'), record.id);
      expect((await store.listOwed(10)).map((r) => r.id)).toStrictEqual([record.id]);
      await settleOwed(deps(winner), record.id);
      expect(await store.listOwed(10)).toStrictEqual([]);
      expect((await store.findById(record.id))?.owed).toBeUndefined();
    });

    it('forgets a pruned relay', async () => {
      const store = getStore();
      const record = makeRecord({ status: 'sent', createdAt: BASE_TIME, owed: owed('fxb_a', BASE_TIME) });
      await store.create(record);
      expect(await store.prune(BASE_TIME + 1)).toBe(1);
      expect(await store.listOwed(10)).toStrictEqual([]);
    });
  });
}
