import { describe, expect, it } from 'vitest';
import { carryOutReceived } from '../../src/relay/carry-out.js';
import { receiveRequest } from '../../src/relay/intake.js';
import { INTERRUPTED, resumePending, takeOverAbandoned } from '../../src/relay/takeover.js';
import type { RelayBatch, RelayRecord } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { claimed, type TestRelay, testRelay } from './relay-deps.js';

function sent(index: number): RelayBatch {
  return makeBatch(index, { status: 'sent', traceId: `E-${index}`, messageId: `msg-${index}` });
}

async function put(relay: TestRelay, overrides: Partial<RelayRecord>): Promise<RelayRecord> {
  const record = makeRecord(overrides);
  await relay.store.create(record);
  return record;
}

function sweep(relay: TestRelay, deps = relay.deps) {
  const handed: RelayRecord[] = [];
  return takeOverAbandoned(deps, { legacyStaleMs: 0 }, (record) => handed.push(record)).then((claimed) => ({
    claimed,
    handed,
  }));
}

describe('resumePending', () => {
  it('never sends a dispatched call again, and sends the calls never dispatched exactly once', async () => {
    const relay = testRelay();
    const record = await put(relay, {
      status: 'pending',
      batches: [sent(0), makeBatch(1, { dispatchedAt: 1 }), makeBatch(2)],
      intake: { door: 'command', teamId: 'T0TEST', senderName: 'bob', receivedAt: relay.clock.now },
      lease: { owner: 'fxb_dead', until: 0 },
    });
    const resumed = await resumePending(relay.deps, await claimed(relay, record), {});
    expect(resumed).toMatchObject({ interrupted: 1, resumed: 1 });
    expect(resumed.record.batches.map((batch) => batch.status)).toEqual(['sent', 'unknown', 'sent']);
    expect(resumed.record.batches[1]?.error).toMatchObject({
      kind: INTERRUPTED,
      message: expect.stringContaining(record.batches[1]?.thirdTraceId ?? 'x'),
    });
    expect(resumed.record.batches[1]?.error?.message).toContain('may have been delivered');
    // Only batch 3 went out now: one call.
    expect(relay.fake.sends.map((send) => send.toUser)).toEqual([record.batches[2]?.recipients]);
    expect(resumed.record.status).toBe('partial');
  });

  it('fails, instead of sending, calls never dispatched of a relay older than the resume limit', async () => {
    const relay = testRelay();
    const record = await put(relay, {
      status: 'pending',
      batches: [makeBatch(0)],
      intake: {
        door: 'command',
        teamId: 'T0TEST',
        senderName: 'bob',
        receivedAt: relay.clock.now - relay.deps.resumeLimitMs - 1,
      },
      lease: { owner: 'fxb_dead', until: 0 },
    });
    const resumed = await resumePending(relay.deps, await claimed(relay, record), {});
    expect(relay.fake.sends).toHaveLength(0);
    expect(resumed.record.status).toBe('failed');
    expect(resumed.record.batches[0]?.error?.kind).toBe('expired');
    // The relay says why, for the answer its sender gets (replies/results.ts).
    expect(resumed.record.error).toEqual(resumed.record.batches[0]?.error);
  });

  it('treats every pending call of a record written before dispatch marks as possibly delivered', async () => {
    const relay = testRelay();
    const record = await put(relay, {
      status: 'pending',
      batches: [sent(0), makeBatch(1)],
      lease: { owner: 'fxb_dead', until: 0 },
    });
    // Claimed first, as every takeover does: only the lease holder's writes land (lease.ts).
    const resumed = await resumePending(relay.deps, await claimed(relay, record), {});
    expect(resumed.record.batches.map((batch) => batch.status)).toEqual(['sent', 'unknown']);
    expect(relay.fake.sends).toHaveLength(0);
  });
});

describe('takeOverAbandoned', () => {
  it('takes over relays of a dead process on a store of its own, never its own live ones', async () => {
    const relay = testRelay();
    const dead = await put(relay, {
      status: 'pending',
      batches: [makeBatch(0)],
      lease: { owner: 'fxb_dead', until: relay.clock.now + 60_000 },
    });
    const mine = await put(relay, {
      status: 'pending',
      batches: [makeBatch(0)],
      lease: { owner: relay.deps.instanceId, until: relay.clock.now + 60_000 },
    });
    await put(relay, { status: 'sent', batches: [sent(0)], lease: { owner: 'fxb_dead', until: 0 } });
    const { claimed, handed } = await sweep(relay);
    expect(claimed.map((record) => record.id)).toEqual([dead.id]);
    expect(handed.map((record) => record.id)).toEqual([dead.id]);
    expect((await relay.store.findById(dead.id))?.lease?.owner).toBe(relay.deps.instanceId);
    expect((await relay.store.findById(mine.id))?.lease?.owner).toBe(relay.deps.instanceId);
  });

  it('on a shared store, waits for the lease to run out, and only one replica takes it', async () => {
    const relay = testRelay();
    const shared = { ...relay.deps, exclusiveStore: false };
    const other = { ...shared, instanceId: 'fxb_other' };
    const record = await put(relay, {
      status: 'received',
      lease: { owner: 'fxb_busy', until: relay.clock.now + 30_000 },
    });
    expect((await sweep(relay, shared)).claimed).toEqual([]);
    relay.clock.now += 30_001;
    const [first, second] = await Promise.all([sweep(relay, shared), sweep(relay, other)]);
    const takers = [...first.claimed, ...second.claimed];
    expect(takers.map((each) => each.id)).toEqual([record.id]);
  });

  it('does not claim again a relay this process still has a job for, though its lease lapsed', async () => {
    const relay = testRelay();
    const shared = { ...relay.deps, exclusiveStore: false };
    // This process's job waits (a store outage stopped its renewals); another replica claimed it meanwhile.
    const record = await put(relay, {
      status: 'revoking',
      batches: [sent(0)],
      lease: { owner: 'fxb_other', until: relay.clock.now - 1 },
    });
    const inHand = (relayId: string) => relayId === record.id;
    const skipped = await takeOverAbandoned(shared, { legacyStaleMs: 0, inHand }, () => undefined);
    expect(skipped).toEqual([]);
    expect((await relay.store.findById(record.id))?.lease?.owner).toBe('fxb_other');
    // Once its job is over here, the sweep takes it as any other.
    const taken = await takeOverAbandoned(shared, { legacyStaleMs: 0, inHand: () => false }, () => undefined);
    expect(taken.map((each) => each.id)).toEqual([record.id]);
  });

  it('carries a received request out once after a crash: the normal send, no second call', async () => {
    const relay = testRelay();
    const received = await receiveRequest(relay.deps, {
      requestKey: 'command:T0TEST:trigger.crash',
      senderId: 'U0SENDER',
      originChannelId: 'C0GENERAL',
      recipientsInput: ['FSUID_S1'],
      text: 'after the crash',
      intake: { door: 'command', teamId: 'T0TEST', senderName: 'bob', channelName: 'general' },
    });
    expect(received.type).toBe('accepted');
    // The process that took it in died: a new one (another instance id) sweeps.
    const next = { ...relay.deps, instanceId: 'fxb_next' };
    const { handed } = await sweep(relay, next);
    expect(handed).toHaveLength(1);
    const outcome = await carryOutReceived(next, handed[0] as RelayRecord, {});
    expect(outcome.type).toBe('finished');
    expect(relay.fake.sends).toHaveLength(1);
    expect(relay.fake.sends[0]?.content).toContain('after the crash');
    // A second sweep finds nothing left to do.
    expect((await sweep(relay, { ...next, instanceId: 'fxb_third' })).claimed).toEqual([]);
    expect(relay.fake.sends).toHaveLength(1);
  });

  it('tells, instead of sending, a received request older than the resume limit', async () => {
    const relay = testRelay();
    const received = await receiveRequest(relay.deps, {
      requestKey: 'command:T0TEST:trigger.old',
      senderId: 'U0SENDER',
      originChannelId: 'C0GENERAL',
      recipientsInput: ['FSUID_S1'],
      text: 'too late',
      intake: { door: 'command', teamId: 'T0TEST', senderName: 'bob' },
    });
    if (received.type !== 'accepted') throw new Error(received.type);
    relay.clock.now += relay.deps.resumeLimitMs + 1;
    const outcome = await carryOutReceived(relay.deps, received.record, {});
    expect(outcome.type).toBe('expired');
    expect(relay.fake.sends).toHaveLength(0);
    expect((await relay.store.findById(received.record.id))?.status).toBe('failed');
  });
});
