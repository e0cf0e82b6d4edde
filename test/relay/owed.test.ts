/**
 * Answers owed to senders (relay/owed.ts): written with the final status, taken over only from a
 * process that is gone (another one's past its time, or at once on a store of one process), and
 * cleared only by whoever holds it.
 */
import { describe, expect, it } from 'vitest';
import { sendRelay } from '../../src/relay/carry-out.js';
import { settleOwed, takeOverOwed } from '../../src/relay/owed.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { START, testRelay } from './relay-deps.js';
import { world } from './replicas.js';

const request = {
  requestKey: 'command:T0TEST:trigger.owed',
  senderId: 'U0SENDER',
  senderName: 'bob',
  originChannelId: 'C0GENERAL',
  channelName: 'general',
  recipientsInput: ['FSUID_A1'],
  text: 'The quote is ready',
};

async function sent(deps: Parameters<typeof sendRelay>[0]): Promise<RelayRecord> {
  const outcome = await sendRelay(deps, request);
  if (outcome.type !== 'finished') throw new Error(`expected a finished relay, got ${outcome.type}`);
  return outcome.record;
}

describe('the answer owed about a send', () => {
  it('is written with the final status, this process telling it within a lease', async () => {
    const relay = testRelay();
    const record = await sent(relay.deps);
    expect(record.status).toBe('sent');
    expect(record.owed).toEqual({
      kind: 'send',
      owner: relay.deps.instanceId,
      until: START + relay.deps.leaseMs,
      since: START,
    });
    // Its own answer is never taken over while it lives, however late.
    relay.clock.now += relay.deps.leaseMs * 10;
    expect(await takeOverOwed(relay.deps, () => undefined)).toEqual([]);
    await settleOwed(relay.deps, record.id);
    expect((await relay.store.findById(record.id))?.owed).toBeUndefined();
  });

  it('is told by another replica only once its owner’s time ran out, and by one of them', async () => {
    const w = world();
    const record = await sent(w.a);
    const told: string[] = [];
    const sweep = (deps: typeof w.b) => takeOverOwed(deps, (mine) => told.push(mine.owed?.owner ?? ''));
    expect(await sweep(w.b)).toEqual([]);
    w.clock.now += w.a.leaseMs;
    await Promise.all([sweep(w.b), sweep(w.replica('fxb_c'))]);
    expect(told).toHaveLength(1);
    // The owner, only slow, clears nothing now: whoever took it over tells it and clears it.
    await settleOwed(w.a, record.id);
    expect((await w.a.store.findById(record.id))?.owed?.owner).toBe(told[0]);
  });
});
