import { describe, expect, it } from 'vitest';
import type { RelayRecord } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { BASE_TIME, makeBatch, makeRecord } from './records.js';

/**
 * The part of the RelayStore contract that edits and deletes rely on (relay/sync.ts,
 * relay/update.ts, relay/sync-waiting.ts): the `syncing` and `changed` statuses are listed for
 * takeovers and never pruned, versions, update requests, the sync state and the changes of the
 * Slack message (`slackChanges`) round-trip exactly, and one event id wins one claim.
 */
export function describeRelayStoreSyncContract(getStore: () => RelayStore): void {
  describe('edits and deletes', () => {
    it('round-trips versions, the update request and the sync state, and removes them again', async () => {
      const store = getStore();
      const record = makeRecord({
        status: 'sent',
        batches: [makeBatch(0, { status: 'sent', messageId: 'm0' })],
      });
      await store.create(record);
      const change = {
        status: 'revoking' as const,
        versions: [
          {
            number: 1,
            text: 'old',
            content: 'c-old',
            batches: [makeBatch(0, { status: 'revoked' })],
            sentAt: BASE_TIME,
            replacedAt: BASE_TIME + 5,
          },
        ],
        updateRequest: {
          actorId: 'U0SENDER',
          requestedAt: BASE_TIME + 4,
          text: 'new',
          secondCopy: false,
          via: 'auto' as const,
          previousStatus: 'sent' as const,
        },
        sync: {
          seenEvents: ['Ev1', 'Ev2'],
          deletedAt: BASE_TIME + 3,
          offer: {
            id: 'of_1',
            kind: 'edit' as const,
            text: 'new',
            previousText: 'old',
            offeredAt: BASE_TIME + 2,
          },
        },
      };
      const updated = await store.update(record.id, change);
      const found = await store.findById(record.id);
      expect(found).toStrictEqual(updated);
      expect(found).toMatchObject(change);
      const cleared = await store.update(record.id, {
        status: 'sent',
        updateRequest: undefined,
        sync: { seenEvents: ['Ev1'] },
      });
      expect(cleared.updateRequest).toBeUndefined();
      expect(await store.findById(record.id)).toStrictEqual(cleared);
      expect(cleared.sync).toStrictEqual({ seenEvents: ['Ev1'] });
    });

    it('lists `syncing` relays for takeovers and keeps them through a prune', async () => {
      const store = getStore();
      const syncing = makeRecord({ status: 'syncing', createdAt: BASE_TIME - 10_000 });
      const sent = makeRecord({ status: 'sent', createdAt: BASE_TIME - 10_000 });
      await store.create(syncing);
      await store.create(sent);
      expect((await store.listByStatus(['syncing'], 10)).map((each) => each.id)).toEqual([syncing.id]);
      await store.prune(BASE_TIME);
      expect(await store.findById(syncing.id)).toBeDefined();
      expect(await store.findById(sent.id)).toBeUndefined();
      const back = await store.update(syncing.id, { status: 'sent' }, 'syncing');
      expect((await store.listByStatus(['syncing'], 10)).map((each) => each.id)).toEqual([]);
      expect(back.status).toBe('sent');
    });

    it('round-trips the changes of the Slack message (newest edit, waiting change) and removes them', async () => {
      const store = getStore();
      const record = makeRecord({ status: 'sent' });
      await store.create(record);
      const slackChanges = {
        newestEdit: { editedTs: '1700000600.000000', eventTs: '1700000600.000312' },
        waiting: {
          kind: 'edit' as const,
          text: 'price 300',
          edit: { editedTs: '1700000600.000000', eventTs: '1700000600.000312' },
          edits: 3,
          firstAt: BASE_TIME + 1,
          lastAt: BASE_TIME + 2,
          previousStatus: 'sent' as const,
        },
      };
      const changed = await store.update(
        record.id,
        { status: 'changed', slackChanges, lease: { owner: 'fxb_a', until: BASE_TIME + 30_000 } },
        'sent',
      );
      expect(changed.slackChanges).toStrictEqual(slackChanges);
      expect(await store.findById(record.id)).toStrictEqual(changed);
      const acted = await store.update(record.id, {
        status: 'sent',
        lease: undefined,
        slackChanges: { newestEdit: slackChanges.newestEdit },
      });
      expect(await store.findById(record.id)).toStrictEqual(acted);
      expect(acted.slackChanges).toStrictEqual({ newestEdit: slackChanges.newestEdit });
      expect(acted.lease).toBeUndefined();
    });

    it('lists `changed` relays for takeovers and keeps them through a prune', async () => {
      const store = getStore();
      const changed = makeRecord({ status: 'changed', createdAt: BASE_TIME - 10_000 });
      const sent = makeRecord({ status: 'sent', createdAt: BASE_TIME - 10_000 });
      await store.create(changed);
      await store.create(sent);
      expect((await store.listByStatus(['changed'], 10)).map((each) => each.id)).toEqual([changed.id]);
      await store.prune(BASE_TIME);
      expect(await store.findById(changed.id)).toBeDefined();
      expect(await store.findById(sent.id)).toBeUndefined();
      await store.update(changed.id, { status: 'sent' }, 'changed');
      expect(await store.listByStatus(['changed'], 10)).toEqual([]);
    });

    it('lets one of 10 concurrent claims for the same event id win', async () => {
      const store = getStore();
      const record = makeRecord({ status: 'sent' });
      await store.create(record);
      const claim = () =>
        store
          .update(
            record.id,
            { status: 'syncing', sync: { seenEvents: ['EvSAME'] } },
            (current: RelayRecord) =>
              current.status === 'sent' && !current.sync?.seenEvents.includes('EvSAME'),
          )
          .then(
            () => 'won',
            (error: { code?: string }) => error.code ?? 'other',
          );
      const results = await Promise.all(Array.from({ length: 10 }, claim));
      expect(results.filter((each) => each === 'won')).toHaveLength(1);
      expect(results.filter((each) => each === 'store_conflict')).toHaveLength(9);
    });
  });
}
