/**
 * Hand-off (relay/handoff.ts): a receiver gives up its lease on a received send; exactly one
 * worker claims it and carries it out as the normal send; no takeover sweep counts it as
 * abandoned; on SQLite, a receiver and its forked worker (siblings) do not take each other's live
 * leases, while a dead worker's are taken at once. Against the memory store and a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { carryOutReceived } from '../../src/relay/carry-out.js';
import { relayDeps } from '../../src/relay/deps.js';
import {
  claimHandedOff,
  claimHandedOffRelays,
  claimRevokeFrom,
  handOff,
  isHandedOff,
} from '../../src/relay/handoff.js';
import { receiveRequest } from '../../src/relay/intake.js';
import { HANDED_OFF } from '../../src/relay/lease.js';
import { isOwedElsewhere } from '../../src/relay/owed.js';
import { carryOutRevoke, receiveRevoke } from '../../src/relay/revoke.js';
import { takeOverAbandoned } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { makeBatch, makeRecord } from '../store/records.js';
import { FakeFxiaoke } from './fake-fxiaoke.js';
import { defaultTimings, RecordingLog, START, testRelay, testSettings } from './relay-deps.js';

let dir: string | undefined;
const opened: RelayStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function request(n: number) {
  return {
    requestKey: `command:T0TEST:trigger.${n}`,
    senderId: 'U0SENDER',
    originChannelId: 'C0GENERAL',
    recipientsInput: ['FSUID_S1'],
    text: `handed off ${n}`,
    intake: { door: 'command' as const, teamId: 'T0TEST', senderName: 'bob', channelName: 'general' },
  };
}

async function accepted(deps: Parameters<typeof receiveRequest>[0], n: number): Promise<RelayRecord> {
  const received = await receiveRequest(deps, request(n));
  if (received.type !== 'accepted') throw new Error(`not accepted: ${received.type}`);
  return received.record;
}

describe('hand-off on the memory store', () => {
  it('is claimed by exactly one worker and carried out once, as the normal send', async () => {
    const relay = testRelay();
    const receiver = relay.deps;
    const workerA = { ...relay.deps, instanceId: 'fxb_worker_a' };
    const workerB = { ...relay.deps, instanceId: 'fxb_worker_b' };
    const record = await accepted(receiver, 1);
    expect(isHandedOff(record)).toBe(false);
    expect(await handOff(receiver, record)).toBe(true);
    const stored = await relay.store.findById(record.id);
    expect(stored?.lease).toEqual({ owner: HANDED_OFF, until: 0 });
    // A second hand-off of the same relay finds it no longer this process's.
    expect(await handOff(receiver, record)).toBe(false);

    const [a, b] = await Promise.all([
      claimHandedOff(workerA, record.id),
      claimHandedOff(workerB, record.id),
    ]);
    const winners = [a, b].filter((each) => each !== undefined);
    expect(winners).toHaveLength(1);
    const mine = winners[0] as RelayRecord;
    const worker = a ? workerA : workerB;
    expect(mine.lease?.owner).toBe(worker.instanceId);
    const outcome = await carryOutReceived(worker, mine, {});
    expect(outcome.type).toBe('finished');
    expect(relay.fake.sends).toHaveLength(1);
    expect(relay.fake.sends[0]?.content).toContain('handed off 1');
  });

  it('is never taken over as abandoned, and a sweep of handed-off relays claims each once', async () => {
    const relay = testRelay();
    const records = [await accepted(relay.deps, 1), await accepted(relay.deps, 2)];
    for (const record of records) await handOff(relay.deps, record);
    const other = { ...relay.deps, instanceId: 'fxb_other' };
    const shared = { ...other, exclusiveStore: false };
    relay.clock.now += 3_600_000;
    for (const deps of [relay.deps, other, shared]) {
      expect(await takeOverAbandoned(deps, { legacyStaleMs: 0 }, () => undefined)).toEqual([]);
    }
    const carried: string[] = [];
    expect(await claimHandedOffRelays(other, (record) => carried.push(record.id))).toBe(2);
    expect(carried.sort()).toEqual(records.map((record) => record.id).sort());
    expect(await claimHandedOffRelays(shared, (record) => carried.push(record.id))).toBe(0);
    expect(carried).toHaveLength(2);
  });

  it('leaves a relay the receiver no longer holds: taken over, discarded, or moved on', async () => {
    const relay = testRelay();
    const record = await accepted(relay.deps, 1);
    const other = { ...relay.deps, instanceId: 'fxb_other' };
    // A takeover (say, the receiver was thought dead) claimed it first.
    await takeOverAbandoned(other, { legacyStaleMs: 0 }, () => undefined);
    expect(await handOff(relay.deps, record)).toBe(false);
    expect((await relay.store.findById(record.id))?.lease?.owner).toBe('fxb_other');
    expect(await claimHandedOff(relay.deps, record.id)).toBeUndefined();
  });
});

describe('a revoke handed to the forked worker (claimRevokeFrom)', () => {
  it('is claimed from its receiver by exactly one worker, only while still revoking under that receiver', async () => {
    const relay = testRelay();
    const receiver = relay.deps;
    const workerA = { ...relay.deps, instanceId: 'fxb_worker_a' };
    const workerB = { ...relay.deps, instanceId: 'fxb_worker_b' };
    const stored = await relay.store.create(
      makeRecord({
        senderId: 'U0SENDER',
        status: 'sent',
        batches: [makeBatch(0, { status: 'sent', traceId: 'E-1', messageId: 'msg-1', sentAt: START })],
      }),
    );
    if (!stored.created) throw new Error('test record collided');
    const { record } = stored;
    // Not claimed for revoking yet: nothing to take.
    expect(await claimRevokeFrom(workerA, record.id, receiver.instanceId)).toBeUndefined();
    const received = await receiveRevoke(receiver, {
      target: { relayId: record.id },
      actorId: 'U0SENDER',
    });
    if (received.type !== 'accepted') throw new Error(`not accepted: ${received.type}`);
    // Told by another receiver than the one holding it: not this worker's to take.
    expect(await claimRevokeFrom(workerA, record.id, 'fxb_someone_else')).toBeUndefined();
    const [a, b] = await Promise.all([
      claimRevokeFrom(workerA, record.id, receiver.instanceId),
      claimRevokeFrom(workerB, record.id, receiver.instanceId),
    ]);
    const winners = [a, b].filter((each) => each !== undefined);
    expect(winners).toHaveLength(1);
    const mine = winners[0] as RelayRecord;
    const worker = a ? workerA : workerB;
    expect(mine.status).toBe('revoking');
    expect(mine.lease?.owner).toBe(worker.instanceId);
    const outcome = await carryOutRevoke(worker, mine);
    expect(outcome.type).toBe('revoked');
    expect(relay.fake.revokes).toHaveLength(1);
    // Revoked: a late telling (a replacement worker told again) takes nothing.
    expect(await claimRevokeFrom(workerA, record.id, receiver.instanceId)).toBeUndefined();
  });
});

describe('a receiver and its forked worker on one SQLite file', () => {
  function pair() {
    dir = mkdtempSync(join(tmpdir(), 'fx-bridge-handoff-'));
    const clock = { now: START };
    const store = openSqliteStore({ path: join(dir, 'relays.db'), now: () => clock.now });
    opened.push(store);
    const fake = new FakeFxiaoke();
    let workerId = 'fxb_worker_1';
    const base = {
      ...defaultTimings(),
      store,
      fxiaoke: fake,
      settings: testSettings(),
      log: new RecordingLog(),
      now: () => clock.now,
      exclusiveStore: true,
    };
    const receiver = relayDeps({ ...base, instanceId: 'fxb_receiver', siblings: () => [workerId] });
    const worker = (id: string) => relayDeps({ ...base, instanceId: id, siblings: () => ['fxb_receiver'] });
    return {
      store,
      clock,
      fake,
      receiver,
      worker,
      restartWorker(id: string) {
        workerId = id;
        return worker(id);
      },
    };
  }

  it("does not take the other's live leases, and takes a dead worker's at once", async () => {
    const world = pair();
    const first = world.worker('fxb_worker_1');
    // The receiver's own work in hand (a revoke, say) and the worker's send under way.
    const receiverWork = makeRecord({
      id: 'rl_receiver',
      requestKey: 'r1',
      status: 'revoking',
      batches: [makeBatch(0, { status: 'sent' })],
      lease: { owner: 'fxb_receiver', until: world.clock.now + 30_000 },
    });
    const workerWork = makeRecord({
      id: 'rl_worker',
      requestKey: 'r2',
      status: 'pending',
      batches: [makeBatch(0)],
      lease: { owner: 'fxb_worker_1', until: world.clock.now + 30_000 },
      owed: { kind: 'send', owner: 'fxb_worker_1', until: world.clock.now + 30_000, since: 1 },
    });
    await world.store.create(receiverWork);
    await world.store.create(workerWork);
    expect(await takeOverAbandoned(first, { legacyStaleMs: 0 }, () => undefined)).toEqual([]);
    expect(await takeOverAbandoned(world.receiver, { legacyStaleMs: 0 }, () => undefined)).toEqual([]);
    expect(isOwedElsewhere(world.receiver, workerWork)).toBe(false);

    // The worker is killed; its parent forks the next one, which takes the dead one's work at once.
    const second = world.restartWorker('fxb_worker_2');
    const taken = await takeOverAbandoned(second, { legacyStaleMs: 0 }, () => undefined);
    expect(taken.map((record) => record.id)).toEqual(['rl_worker']);
    expect(isOwedElsewhere(second, workerWork)).toBe(true);
    // A sibling's lease that ran out is gone too (a receiver that stopped renewing).
    world.clock.now += 30_001;
    const late = await takeOverAbandoned(second, { legacyStaleMs: 0 }, () => undefined);
    expect(late.map((record) => record.id)).toEqual(['rl_receiver']);
  });

  it("claims a relay its receiver told it of from the receiver's own lease, and nothing else of the receiver's", async () => {
    const world = pair();
    const worker = world.worker('fxb_worker_1');
    const told = await accepted(world.receiver, 1);
    const untold = await accepted(world.receiver, 2);
    // Told over the fork's channel: no write by the receiver, the worker's claim takes the lease.
    const mine = await claimHandedOff(worker, told.id, 'fxb_receiver');
    expect(mine?.lease?.owner).toBe('fxb_worker_1');
    // Another process's word is not the receiver's: nothing claimed.
    expect(await claimHandedOff(worker, untold.id, 'fxb_someone_else')).toBeUndefined();
    expect(await claimHandedOff(worker, untold.id)).toBeUndefined();
    // Told twice (to a restarted worker): the second claim finds it taken.
    expect(await claimHandedOff(world.worker('fxb_worker_2'), told.id, 'fxb_receiver')).toBeUndefined();
    expect((await world.store.findById(untold.id))?.lease?.owner).toBe('fxb_receiver');
  });

  it('hands a received send from the receiver to the worker through the shared file', async () => {
    const world = pair();
    const worker = world.worker('fxb_worker_1');
    const record = await accepted(world.receiver, 7);
    // Not handed off yet: the worker leaves the receiver's live intake alone.
    expect(await takeOverAbandoned(worker, { legacyStaleMs: 0 }, () => undefined)).toEqual([]);
    expect(await claimHandedOffRelays(worker, () => undefined)).toBe(0);
    expect(await handOff(world.receiver, record)).toBe(true);
    const carried: RelayRecord[] = [];
    expect(await claimHandedOffRelays(worker, (each) => carried.push(each))).toBe(1);
    const outcome = await carryOutReceived(worker, carried[0] as RelayRecord, {});
    expect(outcome).toMatchObject({ type: 'finished', record: { status: 'sent' } });
    expect(world.fake.sends).toHaveLength(1);
  });
});
