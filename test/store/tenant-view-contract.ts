/**
 * A workspace's view of the shared store (install mode, src/store/tenant-store.ts), over each real
 * store: the installation stamp survives the store's own encoding, and another workspace's relay
 * is not found, not changed and not listed. Run by describeInstallationContract for every store.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { RelayNotFoundError, StoreConflictError } from '../../src/relay/ports/store-errors.js';
import type { RelayStore } from '../../src/store/interface.js';
import { SweptRelayStore, TenantRelayStore } from '../../src/store/tenant-store.js';
import { makeRecord } from './records.js';

export function describeTenantViewContract(name: string, current: () => RelayStore): void {
  describe(`a workspace's view of the store: ${name}`, () => {
    let one: TenantRelayStore;
    let two: TenantRelayStore;
    beforeEach(() => {
      one = new TenantRelayStore(current(), 'T:T0ONE');
      two = new TenantRelayStore(current(), 'E:E0ORG');
    });

    it('stamps what it creates with its installation, kept by the store', async () => {
      const record = makeRecord({ slack: { teamId: 'T0ONE', channelId: 'C1', ts: '1.000001' } });
      const created = await one.create(record);
      expect(created.created).toBe(true);
      expect((await current().findById(record.id))?.installation).toBe('T:T0ONE');
      expect((await one.findById(record.id))?.id).toBe(record.id);
    });

    it('finds, changes and lists only its own relays; another’s id is not found', async () => {
      const sender = `U0SAME${Math.random().toString(36).slice(2, 8)}`;
      const mine = makeRecord({
        senderId: sender,
        slack: { teamId: 'T0ONE', channelId: 'C1', ts: '1.000002' },
      });
      const theirs = makeRecord({
        senderId: sender,
        slack: { teamId: 'T0ORG', channelId: 'C1', ts: '1.000003' },
      });
      await one.create(mine);
      await two.create(theirs);

      expect(await one.findById(theirs.id)).toBeUndefined();
      expect(await one.findByRequestKey(theirs.requestKey)).toBeUndefined();
      expect(await one.findBySlackMessage(theirs.slack!)).toBeUndefined();
      expect((await two.findBySlackMessage(theirs.slack!))?.id).toBe(theirs.id);

      const refused = await one.update(theirs.id, { status: 'revoked' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(RelayNotFoundError);
      expect((await current().findById(theirs.id))?.status).toBe(theirs.status);
      // Its own relay's expectation still holds, and a lost one names its own record.
      const lost = await one
        .update(mine.id, { status: 'revoked' }, 'failed')
        .catch((error: unknown) => error);
      expect(lost).toBeInstanceOf(StoreConflictError);
      expect((lost as StoreConflictError).current.id).toBe(mine.id);
      expect((await one.update(mine.id, { status: 'revoked' }, mine.status)).status).toBe('revoked');

      const ids = (records: { id: string }[]) => records.map((record) => record.id);
      // (A store may hold earlier tests' relays: only these two are looked at.)
      expect(ids(await one.listBySender(sender, 10))).toEqual([mine.id]);
      expect(ids(await two.listBySender(sender, 10))).toEqual([theirs.id]);
      expect(ids(await one.listRecent(50))).toContain(mine.id);
      expect(ids(await one.listRecent(50))).not.toContain(theirs.id);
      expect(ids(await two.listByStatus([theirs.status], 50))).toContain(theirs.id);
      expect(ids(await two.listByStatus([theirs.status], 50))).not.toContain(mine.id);
      expect(await one.prune()).toBe(0);
    });

    it('lists its recent relays past a crowd of another workspace’s newer ones', async () => {
      const base = Date.now() + 10_000_000;
      const mine = [1, 2].map((n) =>
        makeRecord({ createdAt: base + n, slack: { teamId: 'T0ONE', channelId: 'C2', ts: `2.00000${n}` } }),
      );
      for (const record of mine) await one.create(record);
      for (let n = 0; n < 30; n++) {
        await two.create(
          makeRecord({
            createdAt: base + 100 + n,
            slack: { teamId: 'T0ORG', channelId: 'C2', ts: `3.${n}` },
          }),
        );
      }
      expect((await one.listRecent(2)).map((record) => record.id)).toEqual([mine[1]?.id, mine[0]?.id]);
    });

    it('lets the sweeps see every workspace’s relays they can carry on, and only those', async () => {
      const mine = makeRecord({ slack: { teamId: 'T0ONE', channelId: 'C1', ts: '1.000004' } });
      const theirs = makeRecord({ slack: { teamId: 'T0ORG', channelId: 'C1', ts: '1.000005' } });
      await one.create(mine);
      await two.create(theirs);
      const swept = new SweptRelayStore(current(), (record) => record.installation === 'E:E0ORG');
      const seen = (await swept.listByStatus([theirs.status], 50)).map((record) => record.id);
      expect(seen).toContain(theirs.id);
      expect(seen).not.toContain(mine.id);
      // Claims go to the shared store as they are.
      expect((await swept.update(mine.id, { status: 'revoked' })).installation).toBe('T:T0ONE');
    });
  });
}
