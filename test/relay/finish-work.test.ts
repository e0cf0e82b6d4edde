/**
 * A change of the Slack message recorded beside busy work is handed over by the work's own last
 * write, on a real SQLite file shared by replicas: A works on the relay, B records an edit while A
 * is at it, and both stop right after A's last write — before anything else runs (the facade's
 * handover, B's timer). A replica C that starts later finds the change through its takeover sweep
 * and acts on it.
 */
import { describe, expect, it } from 'vitest';
import { carryOutRevoke, receiveRevoke } from '../../src/relay/revoke.js';
import { sendPendingBatches } from '../../src/relay/send.js';
import { receiveMessageChange } from '../../src/relay/sync.js';
import { actOnWaiting } from '../../src/relay/sync-waiting.js';
import { takeOverAbandoned } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { carryOutUpdate, receiveUpdate } from '../../src/relay/update.js';
import { makeBatch } from '../store/records.js';
import { START } from './relay-deps.js';
import { at, edit, sentRelay, type World, world } from './replicas.js';

/** Whatever replica C, started after A and B stopped, takes over. */
async function sweepOf(w: World): Promise<{ c: World['a']; taken: RelayRecord[] }> {
  const c = w.replica('fxb_c');
  const taken: RelayRecord[] = [];
  await takeOverAbandoned(c, { legacyStaleMs: 900_000 }, (record) => taken.push(record));
  return { c, taken };
}

function accepted(received: { type: string; record?: RelayRecord }): RelayRecord {
  expect(received.type).toBe('accepted');
  return received.record as RelayRecord;
}

describe('the last write of work hands over a change recorded beside it', () => {
  it('a send: the relay is `changed` (from sent, no lease) and another process’s sweep acts on the edit', async () => {
    const w = world({ quietMs: 0 });
    const relay = await sentRelay(w, {
      status: 'pending',
      batches: [makeBatch(0)],
      lease: { owner: 'fxb_a', until: START + 30_000 },
      intake: { door: 'message', teamId: 'T0TEST', senderName: 'sam', receivedAt: START },
    });
    // While A's call is out, B records the sender's edit (the relay is busy: it waits beside).
    w.fake.scriptSend(async () => {
      const [recorded] = await receiveMessageChange(w.b, edit('price 300', at(600, 0)));
      expect(recorded?.type).toBe('waiting');
      return {};
    });
    const finished = await sendPendingBatches(w.a, relay, {});
    // A stops here, before its facade hands anything over; B stops too.
    expect(finished).toMatchObject({ status: 'changed', batches: [{ status: 'sent' }] });
    expect(finished.lease).toBeUndefined();
    expect(finished.slackChanges?.waiting).toMatchObject({ text: 'price 300', previousStatus: 'sent' });

    const { c, taken } = await sweepOf(w);
    expect(taken.map((record) => [record.id, record.lease?.owner])).toEqual([[relay.id, 'fxb_c']]);
    const acted = await actOnWaiting(c, relay.id);
    expect(acted.type).toBe('update');
    expect((acted as { record: RelayRecord }).record.updateRequest?.text).toBe('price 300');
  });

  it('a revoke: `changed` from revoked; acting on the edit finds nothing to update and puts it back', async () => {
    const w = world({ quietMs: 0 });
    const relay = await sentRelay(w);
    const claimed = accepted(
      await receiveRevoke(w.a, { target: { relayId: relay.id }, actorId: 'U0SENDER' }),
    );
    w.fake.scriptRevoke(async () => {
      await receiveMessageChange(w.b, edit('price 300', at(600, 0)));
      return {};
    });
    const outcome = await carryOutRevoke(w.a, claimed);
    expect(outcome.type).toBe('revoked');
    const after = await w.a.store.findById(relay.id);
    expect(after).toMatchObject({ status: 'changed', revokedBy: 'U0SENDER' });
    expect(after?.slackChanges?.waiting?.previousStatus).toBe('revoked');

    const { c, taken } = await sweepOf(w);
    expect(taken).toHaveLength(1);
    expect(await actOnWaiting(c, relay.id)).toMatchObject({ reason: 'nothing to update (revoked)' });
    const settled = await c.store.findById(relay.id);
    expect(settled?.status).toBe('revoked');
    expect(settled?.lease).toBeUndefined();
    expect(settled?.slackChanges?.waiting).toBeUndefined();
  });

  it('an update: handed over by the write that closes the update, with the new text recorded', async () => {
    const w = world({ quietMs: 0 });
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
    // The new text's call is out when the sender edits again.
    w.fake.scriptSend(async () => {
      await receiveMessageChange(w.b, edit('price 300', at(600, 0)));
      return {};
    });
    const outcome = await carryOutUpdate(w.a, claimed);
    expect(outcome.type).toBe('updated');
    const after = await w.a.store.findById(relay.id);
    expect(after).toMatchObject({ status: 'changed', text: 'price 200' });
    expect(after?.updateRequest).toBeUndefined();
    expect(after?.lease).toBeUndefined();
    expect(after?.slackChanges?.waiting).toMatchObject({ text: 'price 300', previousStatus: 'sent' });

    const { c } = await sweepOf(w);
    const acted = await actOnWaiting(c, relay.id);
    expect(acted.type).toBe('update');
    expect((acted as { record: RelayRecord }).record.updateRequest).toMatchObject({
      text: 'price 300',
      previousStatus: 'sent',
    });
  });

  it('with nothing waiting, the last write leaves the relay at rest as before', async () => {
    const w = world({ quietMs: 0 });
    const relay = await sentRelay(w);
    const claimed = accepted(
      await receiveRevoke(w.a, { target: { relayId: relay.id }, actorId: 'U0SENDER' }),
    );
    await carryOutRevoke(w.a, claimed);
    expect((await w.a.store.findById(relay.id))?.status).toBe('revoked');
    expect((await sweepOf(w)).taken).toEqual([]);
  });
});
