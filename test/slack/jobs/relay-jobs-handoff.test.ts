/**
 * RelayJobs with RELAY_WORKERS fork|none (issue 22): a door's accepted send is handed off, not run
 * here; what needs no Fxiaoke call is still answered at once; a held relay's confirmation (whose
 * answer replaces the held message, known only here) runs here. A worker's RelayJobs carries a
 * handed-off relay out as the normal job, answered in its channel.
 */
import { describe, expect, it } from 'vitest';
import type { RelayRecord } from '../../../src/relay/types.js';
import { CHANNEL, door, receivedRecord, SENDER, sentRecord, textsOf } from '../listeners/door-kit.js';

describe('RelayJobs handing sends off', () => {
  it('hands an accepted send off instead of carrying it out, and answers a duplicate at once', async () => {
    const handed: RelayRecord[] = [];
    const d = door({}, { handOff: async (record) => void handed.push(record) });
    const received = receivedRecord();
    const answered: string[] = [];
    await d.ctx.jobs.send({ type: 'accepted', record: received }, async (text) => void answered.push(text));
    await d.settled();
    expect(handed.map((record) => record.id)).toEqual([received.id]);
    // No lease taken, no Fxiaoke call asked for, nothing said: the worker does all of it.
    expect(d.relay.calls).toEqual([]);
    expect(d.client.calls).toEqual([]);
    expect(answered).toEqual([]);

    await d.ctx.jobs.send(
      { type: 'duplicate', record: sentRecord({ id: 'rl_first' }) },
      async (text) => void answered.push(text),
    );
    await d.settled();
    expect(handed).toHaveLength(1);
    expect(answered.join('\n')).toContain('rl_first');
  });

  it('carries a held relay’s confirmation out here, where its held message can be replaced', async () => {
    const handed: RelayRecord[] = [];
    const received = receivedRecord({ intake: { ...receivedRecord().intake!, confirmedBy: SENDER } });
    const d = door(
      {
        carryOutConfirmation: async () => ({ type: 'finished', record: sentRecord({ id: received.id }) }),
      },
      { handOff: async (record) => void handed.push(record) },
    );
    const held: string[] = [];
    await d.ctx.jobs.confirm({ type: 'accepted', record: received }, async (text) => void held.push(text));
    await d.settled();
    expect(handed).toEqual([]);
    expect(d.relay.calls.map((call) => call.method)).toContain('carryOutConfirmation');
  });

  it('carries a handed-off relay out in a worker as the normal job, answered in its channel', async () => {
    const received = receivedRecord();
    const d = door({
      carryOutSend: async () => ({
        type: 'finished',
        record: sentRecord({ id: received.id, status: 'failed', batches: [] }),
      }),
    });
    // The worker's RelayJobs: no hand-off of its own (door() without one).
    const jobs = d.ctx.jobs as unknown as { carryOutHandedOff(record: RelayRecord): void };
    jobs.carryOutHandedOff(received);
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toEqual(
      expect.arrayContaining(['underLease', 'carryOutSend']),
    );
    const [ephemeral] = d.callsTo('chat.postEphemeral');
    expect(ephemeral?.args).toMatchObject({ channel: CHANNEL, user: SENDER });
    expect(textsOf(ephemeral)).not.toBe('\n[]');
  });
});
