/**
 * Work writes are fenced on the lease (relay/lease.ts `fenced`): a replica whose lease lapsed (a
 * store outage, a long pause) and was taken over must not write its stale batches over the new
 * owner's. The chaos campaign found two replicas carrying out the same update that way: the new
 * version was recorded with the old copy's message id, and the live new copy was unrecorded.
 */
import { describe, expect, it } from 'vitest';
import { TakenOverError } from '../../src/relay/dispatch.js';
import { claimLease } from '../../src/relay/lease.js';
import { carryOutRevoke, receiveRevoke } from '../../src/relay/revoke.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { carryOutUpdate, receiveUpdate } from '../../src/relay/update.js';
import { sentRelay, type World, world } from './replicas.js';

function accepted(received: { type: string; record?: RelayRecord }): RelayRecord {
  expect(received.type).toBe('accepted');
  return received.record as RelayRecord;
}

/** A's lease runs out while its call is out, and B takes the relay over and carries it out. */
async function lapseAndTakeOver(w: World, relayId: string, work: (mine: RelayRecord) => Promise<unknown>) {
  w.clock.now += w.a.leaseMs + 1;
  const seen = await w.b.store.findById(relayId);
  const mine = await claimLease(w.b, seen!);
  expect(mine?.lease?.owner).toBe('fxb_b');
  await work(mine!);
}

describe('a replica that lost its lease writes nothing more about the relay', () => {
  it('an update: the new version keeps the new copy’s message id, not the old copy’s', async () => {
    const w = world();
    const relay = await sentRelay(w);
    const claimed = accepted(
      await receiveUpdate(w.a, {
        relayId: relay.id,
        actorId: 'U0SENDER',
        text: 'price 200',
        secondCopy: false,
        via: 'manual',
      }),
    );
    // A's revoke of the old copy is out when its lease lapses; B carries the whole update out.
    w.fake.scriptRevoke(async () => {
      await lapseAndTakeOver(w, relay.id, (mine) => carryOutUpdate(w.b, mine));
      return {};
    });
    await expect(carryOutUpdate(w.a, claimed)).rejects.toBeInstanceOf(TakenOverError);

    const after = await w.a.store.findById(relay.id);
    expect(after).toMatchObject({ status: 'sent', text: 'price 200' });
    // B's new copy is the one on record; the old copy is the replaced version's.
    const newCopy = w.fake.sends.at(-1);
    expect(after?.batches.map((batch) => batch.messageId)).toEqual([`msg-${newCopy?.n}`]);
    expect(after?.versions?.map((version) => version.batches[0]?.messageId)).toEqual(['msg-0']);
    expect(w.fake.sends).toHaveLength(1);
  });

  it('a revoke: the late answer of the lapsed replica does not overwrite the new owner’s ending', async () => {
    const w = world();
    const relay = await sentRelay(w);
    const claimed = accepted(
      await receiveRevoke(w.a, { target: { relayId: relay.id }, actorId: 'U0SENDER' }),
    );
    w.fake.scriptRevoke(
      async () => {
        await lapseAndTakeOver(w, relay.id, (mine) => carryOutRevoke(w.b, mine));
        return {};
      },
      async () => ({}),
    );
    await expect(carryOutRevoke(w.a, claimed)).rejects.toBeInstanceOf(TakenOverError);
    const after = await w.a.store.findById(relay.id);
    expect(after).toMatchObject({ status: 'revoked', revokedBy: 'U0SENDER' });
    expect(after?.revokeRequest).toBeUndefined();
  });
});
