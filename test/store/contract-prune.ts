import { describe, expect, it } from 'vitest';
import type { RelayRecord, RelayStatus } from '../../src/relay/types.js';
import { RELAY_STATUSES } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { BASE_TIME, makeRecord, makeSlackRef } from './records.js';

/** Retention: the part of the RelayStore contract about `prune`. */
export function describeRelayStorePruneContract(getStore: () => RelayStore): void {
  const cutoff = BASE_TIME + 1_000_000;
  const at = (createdAt: number, status: RelayStatus, overrides: Partial<RelayRecord> = {}) =>
    makeRecord({ status, createdAt, updatedAt: createdAt, ...overrides });

  describe('prune', () => {
    it('deletes final relays created before the cutoff, with every index entry', async () => {
      const store = getStore();
      expect(await store.prune(cutoff)).toBe(0);
      const due = [
        at(cutoff - 50, 'sent'),
        at(cutoff - 40, 'partial'),
        at(cutoff - 30, 'failed', { slack: undefined }),
        at(cutoff - 20, 'revoked', { revokedBy: 'U0REVOKER', revokedAt: cutoff - 10 }),
        at(cutoff - 1, 'unknown'),
      ];
      const kept = [
        at(cutoff - 70, 'received'),
        at(cutoff - 60, 'pending'),
        at(cutoff - 55, 'revoking'),
        at(cutoff, 'sent'), // The cutoff itself is exclusive.
        at(cutoff + 5, 'failed'),
      ];
      for (const record of [...due, ...kept]) expect((await store.create(record)).created).toBe(true);

      expect(await store.prune(cutoff)).toBe(due.length);
      for (const record of due) {
        expect(await store.findById(record.id)).toBeUndefined();
        expect(await store.findByRequestKey(record.requestKey)).toBeUndefined();
        if (record.slack) expect(await store.findBySlackMessage(record.slack)).toBeUndefined();
      }
      for (const record of kept) expect(await store.findById(record.id)).toStrictEqual(record);
      const keptIds = kept.map((r) => r.id);
      expect((await store.listBySender('U0SENDER', 100)).map((r) => r.id)).toStrictEqual(
        [...keptIds].reverse(),
      );
      expect((await store.listByStatus(RELAY_STATUSES, 100)).map((r) => r.id)).toStrictEqual(keptIds);

      // The request key and the Slack message are free again.
      const reused = makeRecord({ requestKey: due[0]?.requestKey, slack: due[0]?.slack });
      expect((await store.create(reused)).created).toBe(true);
      expect(await store.prune(cutoff)).toBe(0);
    });

    it('judges the status a relay has now, and its creation time rather than its last update', async () => {
      const store = getStore();
      const finished = at(cutoff - 10, 'pending', { slack: makeSlackRef('5.000001') });
      const revoking = at(cutoff - 10, 'sent');
      const moved = at(cutoff - 10, 'pending', { slack: undefined });
      for (const record of [finished, revoking, moved]) await store.create(record);
      // Updates stamp updatedAt with the real clock, far past the cutoff; only createdAt counts.
      await store.update(finished.id, { status: 'sent' }, 'pending');
      await store.update(revoking.id, { status: 'revoking' }, 'sent');
      await store.update(moved.id, { status: 'failed', slack: makeSlackRef('5.000002') });

      expect(await store.prune(cutoff)).toBe(2);
      expect(await store.findById(finished.id)).toBeUndefined();
      expect(await store.findById(moved.id)).toBeUndefined();
      expect(await store.findBySlackMessage(makeSlackRef('5.000001'))).toBeUndefined();
      expect(await store.findBySlackMessage(makeSlackRef('5.000002'))).toBeUndefined();
      expect(await store.findById(revoking.id)).toMatchObject({ status: 'revoking' });
      expect((await store.listByStatus(['sent', 'failed'], 10)).map((r) => r.id)).toStrictEqual([]);
    });

    it('deletes nothing for a cutoff before every relay, or NaN', async () => {
      const store = getStore();
      const record = at(cutoff, 'sent');
      await store.create(record);
      expect(await store.prune(cutoff - 1)).toBe(0);
      expect(await store.prune(Number.NaN)).toBe(0);
      expect(await store.findById(record.id)).toStrictEqual(record);
      expect(await store.prune(Number.POSITIVE_INFINITY)).toBe(1);
    });
  });
}
