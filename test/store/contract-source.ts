import { describe, expect, it } from 'vitest';
import type { RelaySource, SlackMessageRef } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { BASE_TIME, makeRecord, makeSlackRef } from './records.js';

/** `listBySource`: every relay of one Slack message, in one query. Part of the RelayStore contract. */
export function describeRelayStoreSourceContract(getStore: () => RelayStore): void {
  describe('listBySource', () => {
    const message: SlackMessageRef = { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000300' };
    const ofMessage = (slack: SlackMessageRef, repeat?: number): RelaySource => ({
      door: 'message',
      teamId: slack.teamId,
      slack,
      ...(repeat ? { repeat } : {}),
    });

    it('lists the relays whose source is the message, oldest first (ties by id), up to the limit', async () => {
      const store = getStore();
      expect(await store.listBySource(message, 10)).toStrictEqual([]);
      const mk = (id: string, createdAt: number, source: RelaySource, slack?: SlackMessageRef) =>
        makeRecord({ id, createdAt, updatedAt: createdAt, source, slack, status: 'sent' });
      const first = mk('rl_s1', BASE_TIME + 10, ofMessage(message), message);
      const second = mk('rl_s3', BASE_TIME + 20, ofMessage(message, 2));
      const third = mk('rl_s2', BASE_TIME + 20, ofMessage(message, 3));
      const others = [
        // Another message differing in one part each, a command keyed by this very message.
        mk('rl_o1', BASE_TIME + 15, ofMessage({ ...message, ts: '1700000000.000301' })),
        mk('rl_o2', BASE_TIME + 15, ofMessage({ ...message, channelId: 'C0OTHER' })),
        mk('rl_o3', BASE_TIME + 15, ofMessage({ ...message, teamId: 'T0OTHER' })),
        mk('rl_o4', BASE_TIME + 15, { door: 'command', teamId: 'T0TEST' }, makeSlackRef('5.5')),
        makeRecord({ id: 'rl_o5', source: undefined }),
      ];
      for (const record of [third, first, ...others, second]) {
        expect((await store.create(record)).created).toBe(true);
      }
      expect(await store.listBySource(message, 10)).toStrictEqual([first, third, second]);
      expect((await store.listBySource(message, 2)).map((r) => r.id)).toStrictEqual(['rl_s1', 'rl_s2']);
      expect(await store.listBySource(message, 0)).toStrictEqual([]);
      expect(await store.listBySource(makeSlackRef('5.5'), 10)).toStrictEqual([]);
    });

    it('follows updates and forgets pruned relays; the source is fixed at creation', async () => {
      const store = getStore();
      const old = makeRecord({ source: ofMessage(message), status: 'sent', createdAt: BASE_TIME - 1 });
      const kept = makeRecord({ source: ofMessage(message, 2), status: 'pending', createdAt: BASE_TIME - 1 });
      await store.create(old);
      await store.create(kept);
      const smuggled = { status: 'sent', source: ofMessage(makeSlackRef('6.6')) } as Parameters<
        RelayStore['update']
      >[1];
      const updated = await store.update(kept.id, smuggled);
      expect(updated.source).toStrictEqual(kept.source);
      expect(await store.listBySource(message, 10)).toStrictEqual([old, updated]);
      expect(await store.listBySource(makeSlackRef('6.6'), 10)).toStrictEqual([]);
      expect(await store.prune(BASE_TIME)).toBe(2);
      expect(await store.listBySource(message, 10)).toStrictEqual([]);
    });
  });
}
