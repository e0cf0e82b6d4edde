import { describe, expect, it } from 'vitest';
import type { RelayStore } from '../../src/store/interface.js';
import { BASE_TIME, makeRecord } from './records.js';

/** `listRecent`: every sender's relays for admins' App Home. Part of the RelayStore contract. */
export function describeRelayStoreRecentContract(getStore: () => RelayStore): void {
  describe('listRecent', () => {
    it('lists every sender and status, most recent first, ties broken by id descending, up to the limit', async () => {
      const store = getStore();
      expect(await store.listRecent(10)).toStrictEqual([]);
      const mk = (id: string, createdAt: number, senderId: string, status: 'sent' | 'failed' | 'pending') =>
        makeRecord({ id, senderId, status, createdAt, updatedAt: createdAt });
      const records = [
        mk('rl_r1', BASE_TIME + 10, 'U0ALICE', 'sent'),
        mk('rl_r2', BASE_TIME + 30, 'U0BOB', 'failed'),
        mk('rl_r3', BASE_TIME + 20, 'U0ALICE', 'pending'),
        mk('rl_r4', BASE_TIME + 30, 'U0CAROL', 'sent'),
        mk('rl_r5', BASE_TIME + 5, 'U0BOB', 'sent'),
      ];
      for (const record of records) expect((await store.create(record)).created).toBe(true);
      // A later update (new status, new updatedAt) must not reorder: the listing follows createdAt.
      await store.update('rl_r5', { status: 'revoking' });
      await store.update('rl_r5', { status: 'revoked' });
      const ids = async (limit: number) => (await store.listRecent(limit)).map((r) => r.id);
      expect(await ids(10)).toStrictEqual(['rl_r4', 'rl_r2', 'rl_r3', 'rl_r1', 'rl_r5']);
      expect(await ids(3)).toStrictEqual(['rl_r4', 'rl_r2', 'rl_r3']);
      expect(await ids(0)).toStrictEqual([]);
      expect((await store.listRecent(1))[0]).toStrictEqual(records[3]);
      expect((await store.listRecent(10))[4]).toMatchObject({ id: 'rl_r5', status: 'revoked' });
    });

    it('hands out copies and forgets pruned relays', async () => {
      const store = getStore();
      const old = makeRecord({ status: 'sent', createdAt: BASE_TIME - 1, updatedAt: BASE_TIME - 1 });
      const kept = makeRecord({ status: 'sent', createdAt: BASE_TIME + 1, updatedAt: BASE_TIME + 1 });
      await store.create(old);
      await store.create(kept);
      const listed = await store.listRecent(10);
      if (listed[0]) listed[0].recipients.push('FSUID_INTRUDER');
      expect(await store.findById(kept.id)).toStrictEqual(kept);
      expect(await store.prune(BASE_TIME)).toBe(1);
      expect((await store.listRecent(10)).map((r) => r.id)).toStrictEqual([kept.id]);
    });
  });
}
