/**
 * Edits and deletes of a relayed message at relay level, on a real SQLite file shared by two
 * "replicas" (two instance ids, a store that is not exclusive) and a hand-driven clock: the latest
 * edit wins, a burst is one change acted on once, a change beside busy work is handed over and
 * found by any replica's takeover, and acting is a compare-and-set that only one replica wins.
 */
import { describe, expect, it } from 'vitest';
import { receiveRevoke } from '../../src/relay/revoke.js';
import { offerManualUpdate, receiveMessageChange, settleQuestion } from '../../src/relay/sync.js';
import { actOnWaiting, handOverWaiting } from '../../src/relay/sync-waiting.js';
import { takeOverAbandoned } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import { START } from './relay-deps.js';
import { at, edit, QUIET_MS, REF, sentRelay, world } from './replicas.js';

describe('the latest edit wins', () => {
  it('an edit older than one recorded changes nothing, within one second too (event_ts orders)', async () => {
    const w = world();
    const relay = await sentRelay(w);
    const [newer] = await receiveMessageChange(w.a, edit('price 300', at(600, 900)));
    expect(newer?.type).toBe('waiting');
    const [older] = await receiveMessageChange(w.b, edit('price 200', at(600, 100)));
    expect(older).toMatchObject({ type: 'ignored', reason: expect.stringContaining('older than an edit') });
    const [muchOlder] = await receiveMessageChange(w.b, edit('price 150', at(599, 999_999)));
    expect(muchOlder?.type).toBe('ignored');
    const stored = await w.a.store.findById(relay.id);
    expect(stored?.slackChanges?.waiting?.text).toBe('price 300');
    expect(stored?.slackChanges?.newestEdit).toEqual(at(600, 900));
  });

  it('an edit back to the relayed text still moves the mark, so the lost edit before it stays lost', async () => {
    const w = world({ quietMs: 0 });
    const relay = await sentRelay(w);
    // 100 → 200 (its delivery was lost), then 200 → 100: the relayed text is right as it is.
    const [back] = await receiveMessageChange(w.a, edit('price 100', at(601, 0)));
    expect(back).toMatchObject({ type: 'ignored', reason: 'the relayed text is the same' });
    // Slack's redelivery of 100 → 200 comes last: older than the mark.
    const [late] = await receiveMessageChange(w.a, edit('price 200', at(600, 0)));
    expect(late?.type).toBe('ignored');
    const stored = await w.a.store.findById(relay.id);
    expect(stored).toMatchObject({ status: 'sent', text: 'price 100' });
    expect(stored?.slackChanges).toEqual({ newestEdit: at(601, 0) });
  });
});

describe('the manual update', () => {
  it('marks the message time it showed: an edit event up to then, delivered late, leaves its offer open', async () => {
    const w = world({ edits: 'ask', quietMs: 0 });
    const relay = await sentRelay(w);
    const offer = await offerManualUpdate(w.a, relay, 'price 300', 'U0SENDER', {
      editedTs: '1700000600.000000',
    });
    expect(offer?.edit).toEqual({ editedTs: '1700000600.000000' });
    const [late] = await receiveMessageChange(w.a, edit('price 200', at(600, 123)));
    expect(late?.type).toBe('ignored');
    expect((await w.a.store.findById(relay.id))?.sync?.offer?.id).toBe(offer?.id);
    // An edit made after the window showed the message is a newer question.
    const [newer] = await receiveMessageChange(w.a, edit('price 400', at(601, 0)));
    expect(newer?.type).toBe('ask');
  });
});

describe('a burst of edits', () => {
  it('is one waiting change with the last text, acted on once, after the message went quiet', async () => {
    const w = world();
    const relay = await sentRelay(w);
    for (let n = 1; n <= 5; n++) {
      const [recorded] = await receiveMessageChange(
        n % 2 ? w.a : w.b,
        edit(`price ${n + 1}00`, at(600 + n, 0)),
      );
      expect(recorded).toMatchObject({ type: 'waiting', wakeInMs: QUIET_MS });
      w.clock.now += 1_000;
    }
    const waiting = await w.a.store.findById(relay.id);
    // The replica that recorded the last edit holds it.
    expect(waiting).toMatchObject({ status: 'changed', lease: { owner: 'fxb_a' } });
    expect(waiting?.slackChanges?.waiting).toMatchObject({
      kind: 'edit',
      text: 'price 600',
      edits: 5,
      firstAt: START,
      lastAt: START + 4_000,
      previousStatus: 'sent',
    });
    // Not quiet yet: nothing is started; the other replica leaves it to the holder.
    expect(await actOnWaiting(w.a, relay.id)).toMatchObject({ type: 'waiting', wakeInMs: 2_000 });
    expect(await actOnWaiting(w.b, relay.id)).toMatchObject({ type: 'ignored' });
    w.clock.now += 2_000;
    const acted = await actOnWaiting(w.a, relay.id);
    expect(acted.type).toBe('update');
    const claimed = (acted as { record: RelayRecord }).record;
    expect(claimed).toMatchObject({ status: 'revoking', lease: { owner: 'fxb_a' } });
    expect(claimed.updateRequest).toMatchObject({
      text: 'price 600',
      edits: 5,
      edit: at(605, 0),
      previousStatus: 'sent',
    });
    expect(claimed.slackChanges).toEqual({ newestEdit: at(605, 0) });
    expect(await actOnWaiting(w.a, relay.id)).toMatchObject({ type: 'ignored', reason: 'no change waiting' });
  });

  it('that never goes quiet is acted on after ten quiet periods anyway', async () => {
    const w = world();
    const relay = await sentRelay(w);
    for (let n = 0; n < 15; n++) {
      await receiveMessageChange(w.a, edit(`v${n}`, at(600 + n, 0)));
      w.clock.now += QUIET_MS - 1;
    }
    w.clock.now = START + 10 * QUIET_MS;
    expect((await actOnWaiting(w.a, relay.id)).type).toBe('update');
  });

  it('ask: one question with the last text and the number of edits; an older offer is closed at once', async () => {
    const w = world({ edits: 'ask' });
    const relay = await sentRelay(w, {
      sync: {
        seenEvents: [],
        offer: { id: 'of_old', kind: 'edit', text: 'price 200', previousText: 'price 100', offeredAt: START },
      },
    });
    await receiveMessageChange(w.a, edit('price 300', at(600, 0)));
    expect((await w.a.store.findById(relay.id))?.sync?.offer).toBeUndefined();
    await receiveMessageChange(w.a, edit('price 400', at(601, 0)));
    w.clock.now += QUIET_MS;
    const acted = await actOnWaiting(w.a, relay.id);
    expect(acted.type).toBe('ask');
    const asking = (acted as { record: RelayRecord }).record;
    expect(asking.status).toBe('syncing');
    expect(asking.sync?.offer).toMatchObject({
      kind: 'edit',
      text: 'price 400',
      previousText: 'price 100',
      edits: 2,
      edit: at(601, 0),
      previousStatus: 'sent',
    });
  });

  it('two replicas acting on one handed-over change at once: one wins, the other starts nothing', async () => {
    const w = world();
    const relay = await sentRelay(w);
    await receiveMessageChange(w.a, edit('price 300', at(600, 0)));
    // Handed over (no lease: anyone's), as a finished worker leaves it; then due.
    await w.a.store.update(relay.id, { lease: undefined });
    w.clock.now += QUIET_MS;
    const [first, second] = await Promise.all([actOnWaiting(w.a, relay.id), actOnWaiting(w.b, relay.id)]);
    expect([first.type, second.type].sort()).toEqual(['ignored', 'update']);
  });
});

describe('a change beside busy work', () => {
  it('is recorded without touching the work, handed over after it, and found by another replica’s sweep', async () => {
    const w = world({ edits: 'ask', quietMs: 0 });
    const relay = await sentRelay(w, {
      status: 'revoking',
      lease: { owner: 'fxb_worker', until: START + 30_000 },
      revokeRequest: { actorId: 'U0SENDER', requestedAt: START, previousStatus: 'sent' },
    });
    const [recorded] = await receiveMessageChange(w.a, edit('price 300', at(600, 0)));
    expect(recorded).toMatchObject({ type: 'waiting', wakeInMs: 1_000 });
    const beside = await w.a.store.findById(relay.id);
    expect(beside).toMatchObject({ status: 'revoking', lease: { owner: 'fxb_worker' } });
    expect(beside?.slackChanges?.waiting).toMatchObject({ kind: 'edit', text: 'price 300' });
    // The recorder looks again: still busy.
    expect((await actOnWaiting(w.a, relay.id)).type).toBe('waiting');

    // The worker's revoke failed (the relay is back to sent); it hands the change over and dies.
    await w.a.store.update(relay.id, { status: 'sent', revokeRequest: undefined });
    await handOverWaiting(w.a, relay.id);
    const handed = await w.a.store.findById(relay.id);
    expect(handed?.status).toBe('changed');
    expect(handed?.lease).toBeUndefined();
    expect(handed?.slackChanges?.waiting?.previousStatus).toBe('sent');

    const taken: RelayRecord[] = [];
    await takeOverAbandoned(w.b, { legacyStaleMs: 900_000 }, (record) => taken.push(record));
    expect(taken.map((record) => [record.id, record.lease?.owner])).toEqual([[relay.id, 'fxb_b']]);
    const acted = await actOnWaiting(w.b, relay.id);
    expect(acted.type).toBe('ask');
    expect((acted as { record: RelayRecord }).record.sync?.offer?.text).toBe('price 300');
  });

  it('a delete waits beside the work, replaces the edits waiting, and revokes once free', async () => {
    const w = world({ quietMs: 0 });
    const relay = await sentRelay(w, {
      status: 'pending',
      lease: { owner: 'fxb_worker', until: START + 30_000 },
    });
    await receiveMessageChange(w.a, edit('price 300', at(600, 0)));
    const [deleted] = await receiveMessageChange(w.a, { kind: 'delete', eventId: 'EvDEL', ref: REF });
    expect(deleted?.type).toBe('waiting');
    const [lateEdit] = await receiveMessageChange(w.a, edit('price 400', at(601, 0)));
    expect(lateEdit).toMatchObject({ type: 'ignored', reason: 'the message was deleted in Slack' });
    expect((await w.a.store.findById(relay.id))?.slackChanges?.waiting?.kind).toBe('delete');

    // Its worker finished the send and stopped before handing over: the recorder still finds it.
    await w.a.store.update(relay.id, { status: 'sent', lease: undefined });
    const acted = await actOnWaiting(w.a, relay.id);
    expect(acted.type).toBe('revoke');
    const claimed = (acted as { record: RelayRecord }).record;
    expect(claimed).toMatchObject({ status: 'revoking', revokeRequest: { previousStatus: 'sent' } });
    expect(claimed.sync?.deletedAt).toBe(w.clock.now);
    expect(claimed.slackChanges?.waiting).toBeUndefined();
  });

  it('a question being posted when a newer edit arrives is not reopened by its settle, which hands the edit over', async () => {
    const w = world({ edits: 'ask', quietMs: 0 });
    const relay = await sentRelay(w);
    const [asked] = await receiveMessageChange(w.a, edit('price 200', at(600, 0)));
    expect(asked?.type).toBe('ask');
    const asking = (asked as { record: RelayRecord }).record;
    await receiveMessageChange(w.b, edit('price 300', at(601, 0)));
    const settled = await settleQuestion(w.a, asking, true);
    // Handed over in the settle's own write: anyone's, acting from the status before the question.
    expect(settled.status).toBe('changed');
    expect(settled.lease).toBeUndefined();
    expect(settled.sync?.offer).toBeUndefined();
    expect(settled.slackChanges?.waiting).toMatchObject({ text: 'price 300', previousStatus: 'sent' });
    const acted = await actOnWaiting(w.a, relay.id);
    expect((acted as { record: RelayRecord }).record.sync?.offer?.text).toBe('price 300');
  });
});

describe('a revoke while edits wait', () => {
  it('claims from the status before the edits; afterwards the waiting edit is moot', async () => {
    const w = world();
    const relay = await sentRelay(w);
    await receiveMessageChange(w.a, edit('price 300', at(600, 0)));
    const received = await receiveRevoke(w.b, { target: { relayId: relay.id }, actorId: 'U0SENDER' });
    expect(received.type).toBe('accepted');
    const claimed = (received as { record: RelayRecord }).record;
    expect(claimed.revokeRequest?.previousStatus).toBe('sent');
    await w.b.store.update(relay.id, { status: 'revoked', revokeRequest: undefined });
    await handOverWaiting(w.b, relay.id);
    w.clock.now += QUIET_MS;
    expect(await actOnWaiting(w.a, relay.id)).toMatchObject({
      type: 'ignored',
      reason: 'nothing to update (revoked)',
    });
    const after = await w.a.store.findById(relay.id);
    expect(after?.status).toBe('revoked');
    expect(after?.lease).toBeUndefined();
    expect(after?.slackChanges?.waiting).toBeUndefined();
  });
});
