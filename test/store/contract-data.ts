import { describe, expect, it } from 'vitest';
import type { RelayRecord } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { BASE_TIME, makeBatch, makeRecord, makeSlackRef } from './records.js';

/**
 * The half of the RelayStore contract about what comes back: copies, listings, exact round trips
 * and concurrent creates. Called from `describeRelayStoreContract`, which owns the store's lifetime.
 */
export function describeRelayStoreDataContract(getStore: () => RelayStore): void {
  async function createAll(records: RelayRecord[]): Promise<void> {
    for (const record of records) expect((await getStore().create(record)).created).toBe(true);
  }

  describe('isolation', () => {
    it('keeps its own copy of what goes in and hands out copies', async () => {
      const store = getStore();
      const record = makeRecord({ batches: [makeBatch(0)] });
      const snapshot = structuredClone(record);
      const result = await store.create(record);
      record.text = 'mutated input';
      record.batches[0]?.recipients.push('FSUID_INTRUDER');
      if (result.created) result.record.recipients.push('FSUID_INTRUDER');
      const found = await store.findById(snapshot.id);
      expect(found).toStrictEqual(snapshot);
      if (found) found.status = 'revoked';
      const listed = await store.listBySender(snapshot.senderId, 10);
      if (listed[0]) listed[0].batches.length = 0;
      expect(await store.findById(snapshot.id)).toStrictEqual(snapshot);
    });

    it('is not changed through the change object or the record update returns', async () => {
      const store = getStore();
      const record = makeRecord();
      await store.create(record);
      const batches = [makeBatch(0)];
      const updated = await store.update(record.id, { batches });
      batches[0]?.recipients.push('FSUID_INTRUDER');
      batches.push(makeBatch(1));
      updated.batches.length = 0;
      expect((await store.findById(record.id))?.batches).toStrictEqual([makeBatch(0)]);
    });
  });

  describe('listing', () => {
    it('lists one sender, most recent first, ties broken by id descending, up to the limit', async () => {
      const store = getStore();
      const mk = (id: string, createdAt: number, senderId = 'U0LIST') =>
        makeRecord({ id, senderId, createdAt, updatedAt: createdAt });
      const records = [
        mk('rl_a', BASE_TIME + 20),
        mk('rl_b', BASE_TIME + 30),
        mk('rl_c', BASE_TIME + 10),
        mk('rl_d', BASE_TIME + 30),
        mk('rl_e', BASE_TIME + 99, 'U0SOMEONE_ELSE'),
      ];
      await createAll(records);
      // Updating must not reorder: the listing follows createdAt, not updatedAt.
      await store.update('rl_c', { status: 'sent' });
      const ids = async (limit: number) => (await store.listBySender('U0LIST', limit)).map((r) => r.id);
      expect(await ids(10)).toStrictEqual(['rl_d', 'rl_b', 'rl_a', 'rl_c']);
      expect(await ids(2)).toStrictEqual(['rl_d', 'rl_b']);
      expect(await ids(0)).toStrictEqual([]);
      expect(await store.listBySender('U0NOBODY', 10)).toStrictEqual([]);
      expect((await store.listBySender('U0LIST', 1))[0]).toStrictEqual(records[3]);
    });

    it('lists relays in the given statuses, oldest first, up to the limit', async () => {
      const store = getStore();
      const mk = (id: string, status: RelayRecord['status'], createdAt: number) =>
        makeRecord({ id, status, createdAt, updatedAt: createdAt });
      await createAll([
        mk('rl_p1', 'pending', BASE_TIME + 3),
        mk('rl_s1', 'sent', BASE_TIME + 1),
        mk('rl_r1', 'revoking', BASE_TIME + 2),
        mk('rl_p2', 'pending', BASE_TIME + 1),
        mk('rl_u1', 'unknown', BASE_TIME + 0),
      ]);
      const ids = async (statuses: RelayRecord['status'][], limit: number) =>
        (await store.listByStatus(statuses, limit)).map((r) => r.id);
      expect(await ids(['pending', 'revoking'], 10)).toStrictEqual(['rl_p2', 'rl_r1', 'rl_p1']);
      expect(await ids(['pending', 'revoking'], 2)).toStrictEqual(['rl_p2', 'rl_r1']);
      expect(await ids(['sent'], 10)).toStrictEqual(['rl_s1']);
      expect(await ids(['revoked'], 10)).toStrictEqual([]);
      expect(await ids([], 10)).toStrictEqual([]);
      await store.update('rl_p1', { status: 'sent' });
      expect(await ids(['pending'], 10)).toStrictEqual(['rl_p2']);
    });
  });

  describe('round trips', () => {
    it('returns batches, errors and optional fields exactly as given', async () => {
      const record = makeRecord({
        status: 'partial',
        recipients: ['FSUID_1', 'FSUID_2', 'FSUID_3'],
        error: { code: 60_001, kind: 'recipient_not_found', message: 'no such user', traceId: 'tr-e' },
        batches: [
          makeBatch(0, { status: 'sent', traceId: 'tr-0', messageId: 'msg-0', sentAt: BASE_TIME + 1234 }),
          makeBatch(1, { status: 'failed', error: { kind: 'transport', message: 'socket hang up' } }),
          makeBatch(2, {
            status: 'revoked',
            messageId: 'msg-2',
            sentAt: 0,
            revokedAt: BASE_TIME + 0.5,
            revokeTraceId: 'tr-r2',
            revokeError: { code: -1, kind: 'system', message: 'retry later' },
          }),
        ],
        revokedBy: 'U0REVOKER',
        revokedAt: Number.MAX_SAFE_INTEGER,
      });
      const bare = makeRecord({ serviceId: undefined, slack: undefined, batches: [makeBatch(0)] });
      await createAll([record, bare]);
      expect(await getStore().findById(record.id)).toStrictEqual(record);
      const found = await getStore().findById(bare.id);
      expect(found).toStrictEqual(bare);
      expect(Object.keys(found ?? {}).sort()).toStrictEqual(Object.keys(bare).sort());
      expect(Object.keys(found?.batches[0] ?? {}).sort()).toStrictEqual(Object.keys(makeBatch(0)).sort());
    });

    it('returns unicode text unchanged', async () => {
      const text = '你好，世界 👋🏽 👩‍👩‍👧 é (e\u0301) "quotes" \\ backslash\nnew line\ttab \u0000 nul';
      const record = makeRecord({
        text,
        content: `${text}\n— 来自 Slack 的 张三`,
        recipientsInput: ['张三', '李四 🧧'],
        slack: makeSlackRef('3.000001', { channelId: 'C0频道' }),
      });
      await getStore().create(record);
      expect(await getStore().findById(record.id)).toStrictEqual(record);
      expect(
        await getStore().findBySlackMessage(makeSlackRef('3.000001', { channelId: 'C0频道' })),
      ).toStrictEqual(record);
    });
  });

  describe('concurrent creates', () => {
    it('creates exactly one of 20 concurrent records with the same request key', async () => {
      const store = getStore();
      const requestKey = 'message:T0TEST:C0X:4.000001';
      const records = Array.from({ length: 20 }, () => makeRecord({ requestKey }));
      const results = await Promise.all(records.map((record) => store.create(record)));
      const created = results.flatMap((r) => (r.created ? [r.record] : []));
      expect(created).toHaveLength(1);
      const winner = created[0] as RelayRecord;
      for (const result of results) {
        if (!result.created) expect(result.existing).toStrictEqual(winner);
      }
      expect(await store.findByRequestKey(requestKey)).toStrictEqual(winner);
      expect((await store.listBySender(winner.senderId, 100)).map((r) => r.id)).toStrictEqual([winner.id]);
    });
  });
}
