import { describe, expect, it, vi } from 'vitest';
import type { SyncIntake } from '../../../../src/relay/sync.js';
import { registerMessageSync } from '../../../../src/slack/listeners/events/message-sync.js';
import { boltApp } from '../bolt-app.js';
import { CHANNEL, type Door, door, SENDER, sentRecord, TEAM, textsOf } from '../door-kit.js';

const TS = '1700000100.000200';

function edited(eventId = 'Ev0EDIT') {
  return {
    type: 'event_callback',
    team_id: TEAM,
    event_id: eventId,
    event: {
      type: 'message',
      subtype: 'message_changed',
      channel: CHANNEL,
      message: {
        type: 'message',
        user: SENDER,
        text: 'the new quote',
        ts: TS,
        edited: { user: SENDER, ts: '1.5' },
      },
      previous_message: { type: 'message', user: SENDER, text: 'the quote', ts: TS },
    },
  };
}

function deleted() {
  return {
    type: 'event_callback',
    team_id: TEAM,
    event_id: 'Ev0DELETE',
    event: { type: 'message', subtype: 'message_deleted', channel: CHANNEL, deleted_ts: TS },
  };
}

/** The door registered on a Bolt app; `handle` watches what it hands to the sync jobs (they still run). */
function registered(d: Door) {
  const bolt = boltApp(d);
  registerMessageSync(bolt.app, d.ctx, bolt.seam);
  const handle = vi.spyOn(d.ctx.jobs.sync, 'handle');
  return { ...bolt, handle };
}

describe('message events (edits and deletes of relayed messages)', () => {
  it('records an edit before the ack, then hands what it recorded to the sync jobs, which ask the sender', async () => {
    const asking = sentRecord({
      status: 'syncing',
      text: 'the quote',
      sync: {
        seenEvents: ['Ev0EDIT'],
        offer: { id: 'of_1', kind: 'edit', text: 'the new quote', previousText: 'the quote', offeredAt: 1 },
      },
    });
    const intakes: SyncIntake[] = [{ type: 'ask', record: asking }];
    const d: Door = door({
      sync: {
        receiveMessageChange: async () => {
          // The store takes a turn of the event loop; the ack must wait for it.
          await new Promise((resolve) => setImmediate(resolve));
          d.timeline.push('recorded');
          return intakes;
        },
        settleQuestion: async (record) => ({ ...record, status: 'sent' }),
      },
    });
    const { deliver, handle } = registered(d);
    const delivered = await deliver(edited());
    expect(delivered).toMatchObject({ acked: true });
    expect(d.timeline.slice(0, 3)).toEqual(['relay.sync.receiveMessageChange', 'recorded', 'ack']);
    expect(d.relay.calls[0]?.args).toEqual([
      {
        kind: 'edit',
        eventId: 'Ev0EDIT',
        ref: { teamId: TEAM, channelId: CHANNEL, ts: TS },
        authorId: SENDER,
        editorId: SENDER,
        fromBot: false,
        text: 'the new quote',
        previousText: 'the quote',
        edit: { editedTs: '1.5' },
      },
    ]);
    expect(handle).toHaveBeenCalledTimes(1);
    expect(handle.mock.calls[0]?.[0]).toBe(intakes);
    await d.settled();
    const [question] = d.callsTo('chat.postMessage');
    expect(question?.args.channel).toBe(SENDER);
    expect(textsOf(question)).toContain('the new quote');
    expect(d.relay.calls.find((call) => call.method === 'sync.settleQuestion')?.args).toEqual([asking, true]);
  });

  it('records a delete the same way', async () => {
    const d = door({ sync: { receiveMessageChange: async () => [{ type: 'ignored', reason: 'no relay' }] } });
    const { deliver, handle } = registered(d);
    expect(await deliver(deleted())).toMatchObject({ acked: true });
    expect(d.timeline).toEqual(['relay.sync.receiveMessageChange', 'ack']);
    expect(d.relay.calls[0]?.args).toEqual([
      { kind: 'delete', eventId: 'Ev0DELETE', ref: { teamId: TEAM, channelId: CHANNEL, ts: TS } },
    ]);
    expect(handle.mock.calls).toEqual([[[{ type: 'ignored', reason: 'no relay' }]]]);
  });

  it('withholds the ack and hands nothing over when the store fails, so Slack delivers it again', async () => {
    const failure = new Error('store down');
    const d = door({
      sync: {
        receiveMessageChange: async () => {
          throw failure;
        },
      },
    });
    const { deliver, handle } = registered(d);
    const delivered = await deliver(edited(), 1);
    expect(delivered.acked).toBe(false);
    expect(delivered.error).toBe(failure);
    expect(delivered.listenedTo).toEqual([]);
    expect(d.timeline).toEqual(['relay.sync.receiveMessageChange']);
    expect(handle).not.toHaveBeenCalled();
  });

  it('acks a change recorded beside work in progress, and hands it over to wait for the relay', async () => {
    // The relay is being revoked; the edit is recorded beside that work, not refused.
    const busy = sentRecord({
      status: 'revoking',
      text: 'the quote',
      slackChanges: {
        newestEdit: { editedTs: '1.5' },
        waiting: { kind: 'edit', text: 'the new quote', edits: 1, firstAt: 1, lastAt: 1 },
      },
    });
    const intakes: SyncIntake[] = [{ type: 'waiting', record: busy, wakeInMs: 50 }];
    const d = door({
      sync: {
        receiveMessageChange: async () => intakes,
        actOnWaiting: async () => ({ type: 'ignored', reason: 'revoked meanwhile', relayId: busy.id }),
      },
    });
    const { deliver, handle } = registered(d);
    const delivered = await deliver(edited());
    expect(delivered).toMatchObject({ acked: true });
    expect(d.timeline.slice(0, 2)).toEqual(['relay.sync.receiveMessageChange', 'ack']);
    expect(handle.mock.calls).toEqual([[intakes]]);
    // Its timer asks the relay again; `settled` waits for it.
    await d.settled();
    expect(d.relay.calls.map((call) => call.method)).toEqual([
      'sync.receiveMessageChange',
      'sync.actOnWaiting',
    ]);
    expect(d.relay.calls[1]?.args).toEqual([busy.id]);
    expect(d.callsTo('chat.postMessage')).toEqual([]);
  });

  it('passes other events through untouched: acked at once, nothing recorded, nothing handed over', async () => {
    const d = door();
    const { deliver, handle } = registered(d);
    const posted = {
      type: 'event_callback',
      team_id: TEAM,
      event_id: 'Ev0NEW',
      event: { type: 'message', channel: CHANNEL, user: SENDER, text: 'a new message', ts: TS },
    };
    const bodies = [
      posted,
      {
        type: 'event_callback',
        team_id: TEAM,
        event_id: 'Ev0HOME',
        event: { type: 'app_home_opened', user: SENDER },
      },
      { type: 'block_actions', user: { id: SENDER } },
    ];
    const listened: unknown[][] = [];
    for (const body of bodies) {
      const before = structuredClone(body);
      const delivered = await deliver(body);
      expect(delivered).toMatchObject({ acked: true });
      expect(body).toEqual(before);
      listened.push(delivered.listenedTo);
    }
    // The plain message still reached the door's listener (the same body), which had nothing to hand over.
    expect(listened).toEqual([[posted], [], []]);
    expect(listened[0]?.[0]).toBe(posted);
    expect(d.timeline).toEqual(['ack', 'ack', 'ack']);
    expect(d.relay.calls).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
  });

  it('hands each delivery over once, with what that delivery recorded', async () => {
    const d = door({
      sync: {
        receiveMessageChange: async (change) => [{ type: 'ignored', reason: change.eventId }],
      },
    });
    const { deliver, handle } = registered(d);
    const first = await deliver(edited('Ev0ONE'));
    await deliver(edited('Ev0TWO'));
    expect(first.listenedTo).toHaveLength(1);
    expect(handle.mock.calls).toEqual([
      [[{ type: 'ignored', reason: 'Ev0ONE' }]],
      [[{ type: 'ignored', reason: 'Ev0TWO' }]],
    ]);
  });
});
