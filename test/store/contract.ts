import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayChange, RelayRecord } from '../../src/relay/types.js';
import {
  RelayNotFoundError,
  SlackMessageTakenError,
  StoreConflictError,
  StoreError,
} from '../../src/store/errors.js';
import type { RelayStore } from '../../src/store/interface.js';
import { describeRelayStoreDataContract } from './contract-data.js';
import { describeRelayStoreOwedContract } from './contract-owed.js';
import { describeRelayStorePruneContract } from './contract-prune.js';
import { describeRelayStoreRecentContract } from './contract-recent.js';
import { describeRelayStoreSourceContract } from './contract-source.js';
import { describeRelayStoreSyncContract } from './contract-sync.js';
import { BASE_TIME, makeBatch, makeRecord, makeSlackRef } from './records.js';

export interface ContractOptions {
  /**
   * Opens another store over the same data as the most recent `open()` (the first is closed by
   * then). Stores that persist pass it to run the persistence checks.
   */
  reopen?: () => Promise<RelayStore>;
}

/** Resolves to what `promise` rejected with; fails the test if it fulfilled. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

async function createAll(store: RelayStore, records: RelayRecord[]): Promise<void> {
  for (const record of records) expect((await store.create(record)).created).toBe(true);
}

/** The behaviour every RelayStore must show; `open` gives a fresh, empty store per test. */
export function describeRelayStoreContract(
  name: string,
  open: () => Promise<RelayStore>,
  options: ContractOptions = {},
): void {
  describe(`RelayStore contract: ${name}`, () => {
    let store: RelayStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('create and find', () => {
      it('stores a record and finds it by id, request key and Slack message', async () => {
        const record = makeRecord();
        expect(await store.create(record)).toStrictEqual({ created: true, record });
        expect(await store.findById(record.id)).toStrictEqual(record);
        expect(await store.findByRequestKey(record.requestKey)).toStrictEqual(record);
        expect(await store.findBySlackMessage(makeSlackRef(record.slack?.ts ?? ''))).toStrictEqual(record);
      });

      it('finds nothing for unknown keys or a Slack ref differing in any one part', async () => {
        const record = makeRecord({ slack: makeSlackRef('1.000001') });
        await store.create(record);
        expect(await store.findById('rl_missing')).toBeUndefined();
        expect(await store.findByRequestKey('command:T0TEST:missing')).toBeUndefined();
        expect(
          await store.findBySlackMessage(makeSlackRef('1.000001', { teamId: 'T0OTHER' })),
        ).toBeUndefined();
        expect(
          await store.findBySlackMessage(makeSlackRef('1.000001', { channelId: 'C0OTHER' })),
        ).toBeUndefined();
        expect(await store.findBySlackMessage(makeSlackRef('1.000002'))).toBeUndefined();
      });

      it('answers a duplicate request key with the existing record and stores nothing new', async () => {
        const first = makeRecord();
        const second = makeRecord({ requestKey: first.requestKey, text: 'second delivery' });
        await store.create(first);
        expect(await store.create(second)).toStrictEqual({ created: false, existing: first });
        expect(await store.findById(second.id)).toBeUndefined();
        expect(await store.findBySlackMessage(second.slack ?? makeSlackRef('x'))).toBeUndefined();
      });

      it('answers a duplicate Slack message with the existing record and stores nothing new', async () => {
        const first = makeRecord();
        const second = makeRecord({ slack: first.slack });
        await store.create(first);
        expect(await store.create(second)).toStrictEqual({ created: false, existing: first });
        expect(await store.findById(second.id)).toBeUndefined();
        expect(await store.findByRequestKey(second.requestKey)).toBeUndefined();
      });

      it('lets any number of records without a Slack message coexist', async () => {
        const records = [makeRecord({ slack: undefined }), makeRecord({ slack: undefined }), makeRecord()];
        await createAll(store, records);
        for (const record of records) expect(await store.findById(record.id)).toStrictEqual(record);
        expect(records[0]).not.toHaveProperty('slack');
      });

      it('rejects a record reusing an id under a different request key and Slack message', async () => {
        const first = makeRecord();
        await store.create(first);
        const error = await rejectionOf(store.create(makeRecord({ id: first.id })));
        expect(error).toBeInstanceOf(StoreError);
        expect(await store.findById(first.id)).toStrictEqual(first);
      });
    });

    describe('update', () => {
      it('merges the change, keeps the other fields and bumps updatedAt', async () => {
        const record = makeRecord();
        await store.create(record);
        const batches = [
          makeBatch(0, { status: 'sent', messageId: 'msg-0', traceId: 'tr-0', sentAt: BASE_TIME }),
        ];
        const updated = await store.update(record.id, { status: 'sent', batches });
        expect(updated).toStrictEqual({ ...record, status: 'sent', batches, updatedAt: updated.updatedAt });
        expect(updated.updatedAt).toBeGreaterThan(record.updatedAt);
        expect(await store.findById(record.id)).toStrictEqual(updated);
      });

      it('keeps a card relay’s format and card, set at creation or by a change', async () => {
        const record = makeRecord({ status: 'received', format: 'card' });
        await store.create(record);
        expect((await store.findById(record.id))?.format).toBe('card');
        const card = {
          title: 'bob in #general (Slack)',
          url: 'https://x.slack.com/archives/C1/p1',
          linkTo: 'message' as const,
        };
        const updated = await store.update(record.id, { status: 'pending', card });
        expect(updated).toMatchObject({ format: 'card', card });
        expect(await store.findById(record.id)).toStrictEqual(updated);
        // The same modal sent again after inline errors may switch back to text.
        const text = await store.update(record.id, { format: undefined });
        expect(text).not.toHaveProperty('format');
      });

      it('removes an optional field set to undefined', async () => {
        const record = makeRecord({ status: 'failed', error: { kind: 'transport', message: 'timed out' } });
        await store.create(record);
        const updated = await store.update(record.id, { status: 'pending', error: undefined });
        expect(updated).not.toHaveProperty('error');
        expect(await store.findById(record.id)).not.toHaveProperty('error');
      });

      it('ignores fields that are fixed at creation even if a caller smuggles them in', async () => {
        const record = makeRecord();
        await store.create(record);
        const change = { status: 'sent', id: 'rl_other', requestKey: 'other', senderId: 'U0OTHER' };
        const updated = await store.update(record.id, change as unknown as RelayChange);
        expect(updated).toMatchObject({ id: record.id, requestKey: record.requestKey, senderId: 'U0SENDER' });
        expect(await store.findByRequestKey(record.requestKey)).toStrictEqual(updated);
        expect(await store.findById('rl_other')).toBeUndefined();
      });

      it('keys a relay by a Slack message set later, and frees the old one when it moves', async () => {
        const record = makeRecord({ slack: undefined });
        await store.create(record);
        const first = makeSlackRef('2.000001');
        const second = makeSlackRef('2.000002');
        await store.update(record.id, { slack: first });
        expect((await store.findBySlackMessage(first))?.id).toBe(record.id);
        await store.update(record.id, { slack: first }); // Re-setting its own message is not a clash.
        await store.update(record.id, { slack: second });
        expect(await store.findBySlackMessage(first)).toBeUndefined();
        expect((await store.findBySlackMessage(second))?.id).toBe(record.id);
        expect((await store.create(makeRecord({ slack: first }))).created).toBe(true);
      });

      it('applies a change when the status is the expected one, single or in a list', async () => {
        const record = makeRecord({ status: 'sent' });
        await store.create(record);
        expect((await store.update(record.id, { status: 'revoking' }, 'sent')).status).toBe('revoking');
        const revoked = await store.update(record.id, { status: 'revoked', revokedBy: 'U0X' }, [
          'sent',
          'revoking',
        ]);
        expect(revoked).toMatchObject({ status: 'revoked', revokedBy: 'U0X' });
      });

      it('throws StoreConflictError with the current record when the status differs', async () => {
        const record = makeRecord({ status: 'revoked' });
        await store.create(record);
        for (const expected of ['sent', ['sent', 'partial']] as const) {
          const error = await rejectionOf(store.update(record.id, { status: 'revoking' }, expected));
          expect(error).toBeInstanceOf(StoreConflictError);
          expect((error as StoreConflictError).current).toStrictEqual(record);
        }
        expect(await store.findById(record.id)).toStrictEqual(record);
      });

      it('throws RelayNotFoundError for an unknown id', async () => {
        for (const expected of [undefined, 'sent'] as const) {
          const error = await rejectionOf(store.update('rl_missing', { status: 'sent' }, expected));
          expect(error).toBeInstanceOf(RelayNotFoundError);
          expect((error as RelayNotFoundError).relayId).toBe('rl_missing');
        }
      });

      it('throws SlackMessageTakenError for a message owned by another relay and changes nothing', async () => {
        const owner = makeRecord();
        const other = makeRecord();
        await createAll(store, [owner, other]);
        const error = await rejectionOf(store.update(other.id, { slack: owner.slack, status: 'sent' }));
        expect(error).toBeInstanceOf(SlackMessageTakenError);
        expect((error as SlackMessageTakenError).existing).toStrictEqual(owner);
        expect(await store.findById(other.id)).toStrictEqual(other);
        expect(await store.findBySlackMessage(owner.slack ?? makeSlackRef('x'))).toStrictEqual(owner);
      });

      it('lets exactly one of 20 concurrent compare-and-sets win', async () => {
        const record = makeRecord({ status: 'sent' });
        await store.create(record);
        const attempts = Array.from({ length: 20 }, (_, i) =>
          store.update(record.id, { status: 'revoking', revokedBy: `U${i}` }, 'sent'),
        );
        const results = await Promise.allSettled(attempts);
        const winners = results.filter(
          (r): r is PromiseFulfilledResult<RelayRecord> => r.status === 'fulfilled',
        );
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(19);
        for (const loser of losers) {
          expect(loser.reason).toBeInstanceOf(StoreConflictError);
          expect((loser.reason as StoreConflictError).current.status).toBe('revoking');
        }
        const stored = await store.findById(record.id);
        expect(stored?.revokedBy).toBe(winners[0]?.value.revokedBy);
      });
    });

    describeRelayStoreDataContract(() => store);
    describeRelayStorePruneContract(() => store);
    describeRelayStoreRecentContract(() => store);
    describeRelayStoreSourceContract(() => store);
    describeRelayStoreSyncContract(() => store);
    describeRelayStoreOwedContract(() => store);

    describe('lifecycle', () => {
      it('pings while open, fails afterwards, and closes twice without error', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
        expect(await rejectionOf(store.ping())).toBeInstanceOf(Error);
      });

      const { reopen } = options;
      if (!reopen) return;
      it('keeps records and uniqueness across close and reopen', async () => {
        const kept = makeRecord({ batches: [makeBatch(0, { messageId: 'm0' })] });
        const noSlack = makeRecord({ slack: undefined });
        await createAll(store, [kept, noSlack]);
        const updated = await store.update(kept.id, { status: 'sent' }, 'pending');
        await store.close();
        store = await reopen();
        expect(await store.findById(kept.id)).toStrictEqual(updated);
        expect(await store.findBySlackMessage(kept.slack ?? makeSlackRef('x'))).toStrictEqual(updated);
        expect(await store.findByRequestKey(noSlack.requestKey)).toStrictEqual(noSlack);
        const again = await store.create(makeRecord({ requestKey: kept.requestKey }));
        expect(again).toStrictEqual({ created: false, existing: updated });
        expect((await store.listBySender('U0SENDER', 10)).map((r) => r.id)).toStrictEqual([
          noSlack.id,
          kept.id,
        ]);
      });
    });
  });
}
