import { describe, expect, it } from 'vitest';
import { TakenOverError } from '../../../../src/relay/dispatch.js';
import type { UpdateAsk } from '../../../../src/relay/update.js';
import type { HandedOffUpdate } from '../../../../src/slack/jobs/port.js';
import { registerUpdateButtons } from '../../../../src/slack/listeners/actions/update-buttons.js';
import {
  KEEP_ACTION_ID,
  offerButtonValue,
  UPDATE_ACTION_ID,
  UPDATE_SKIP_ACTION_ID,
} from '../../../../src/slack/sync/replies.js';
import { boltApp } from '../bolt-app.js';
import { type Door, door, type FacadeScript, SENDER, sentRecord, textsGiven, textsOf } from '../door-kit.js';
import { click } from './buttons.js';

const NOT_TAKEN =
  'fx-bridge could not record this request in time (its store is slow or unreachable), so nothing was taken and';
const BROKEN =
  ':warning: This button carries no relay fx-bridge can read (it may come from an older version). Nothing was changed.';

function buttons(script: FacadeScript = {}) {
  const d = door(script);
  const bolt = boltApp(d);
  registerUpdateButtons(bolt.app, d.ctx);
  const press = async (actionId: string, value: string, options: Parameters<typeof click>[3] = {}) => {
    const clicked = click(d, actionId, value, options);
    await bolt.action(actionId)(clicked.args as unknown as Record<string, unknown>);
    return clicked;
  };
  return { d, press };
}

/** A relay claimed for an update, and the relay after it. */
function updating() {
  const claimed = sentRecord({ status: 'revoking', text: 'the quote' });
  const updated = sentRecord({
    id: claimed.id,
    ...(claimed.slack ? { slack: claimed.slack } : {}),
    text: 'the new quote',
    versions: [
      {
        number: 1,
        text: 'the quote',
        content: 'the quote',
        batches: claimed.batches,
        sentAt: 1,
        replacedAt: 2,
      },
    ],
  });
  return { claimed, updated };
}

function askedOf(d: Door): UpdateAsk | undefined {
  return d.relay.calls.find((call) => call.method === 'sync.receiveUpdate')?.args[0] as UpdateAsk | undefined;
}

describe('Update in Fxiaoke (fx_update)', () => {
  it('hands a claimed update to a forked worker with where to answer, and makes no Fxiaoke call here', async () => {
    const { claimed } = updating();
    const handed: HandedOffUpdate[] = [];
    const d = door(
      { sync: { receiveUpdate: async () => ({ type: 'accepted', record: claimed }) } },
      { handOff: { send: async () => undefined, update: async (update) => void handed.push(update) } },
    );
    const bolt = boltApp(d);
    registerUpdateButtons(bolt.app, d.ctx);
    const value = offerButtonValue({ relayId: claimed.id, offerId: 'of_1', secondCopy: false });
    const clicked = click(d, UPDATE_ACTION_ID, value);
    await bolt.action(UPDATE_ACTION_ID)(clicked.args as unknown as Record<string, unknown>);
    await d.settled();
    expect(handed).toEqual([
      {
        relayId: claimed.id,
        userId: SENDER,
        responseUrl: { url: 'https://hooks.slack.test/actions/1', issuedAt: expect.any(Number) },
      },
    ]);
    expect(d.relay.calls.map((call) => call.method)).not.toContain('sync.carryOutUpdate');
    expect(clicked.respond.payloads).toEqual([]);

    // From the compose window (no response_url): the worker answers by DM.
    const fromModal = click(d, UPDATE_ACTION_ID, value, { responseUrl: false, viewId: 'V1' });
    await bolt.action(UPDATE_ACTION_ID)(fromModal.args as unknown as Record<string, unknown>);
    await d.settled();
    expect(handed[1]).toEqual({ relayId: claimed.id, userId: SENDER });
  });

  it('claims the update before the ack, carries it out in the queue, answers and brings the receipt up to date', async () => {
    const { claimed, updated } = updating();
    const { d, press } = buttons({
      sync: {
        receiveUpdate: async () => ({ type: 'accepted', record: claimed }),
        carryOutUpdate: async () => ({ type: 'updated', record: updated, keptOld: 0 }),
      },
    });
    const { ack, respond } = await press(
      UPDATE_ACTION_ID,
      offerButtonValue({ relayId: claimed.id, offerId: 'of_1', secondCopy: false }),
    );
    expect(d.timeline.slice(0, 2)).toEqual(['relay.sync.receiveUpdate', 'ack']);
    expect(ack.payloads).toEqual([undefined]);
    expect(askedOf(d)).toEqual({
      relayId: claimed.id,
      actorId: SENDER,
      offerId: 'of_1',
      secondCopy: false,
      via: 'button',
    });
    await d.settled();
    expect(
      d.relay.calls.filter((call) => call.method === 'sync.carryOutUpdate').map((call) => call.args[0]),
    ).toEqual([claimed]);
    const [answer] = textsGiven(respond);
    expect(answer).toContain(':white_check_mark: Updated in Fxiaoke: the new text');
    expect(answer).toContain(`relay \`${claimed.id}\``);
    expect((respond.payloads[0] as { replace_original?: boolean }).replace_original).toBe(false);
    const [receipt] = d.callsTo('chat.update');
    expect(receipt?.args).toMatchObject({ channel: claimed.slack?.channelId, ts: claimed.slack?.ts });
  });

  it('says nothing when another process took the update over before its send went out here: that one answers', async () => {
    const { claimed } = updating();
    const { d, press } = buttons({
      sync: {
        receiveUpdate: async () => ({ type: 'accepted', record: claimed }),
        carryOutUpdate: async () => Promise.reject(new TakenOverError(claimed.id)),
      },
    });
    const { respond } = await press(
      UPDATE_ACTION_ID,
      offerButtonValue({ relayId: claimed.id, offerId: 'of_1', secondCopy: false }),
    );
    await d.settled();
    expect(respond.payloads).toEqual([]);
    expect(d.callsTo('chat.postMessage')).toEqual([]);
  });

  it('passes the agreement to a second copy on', async () => {
    const { press, d } = buttons({ sync: { receiveUpdate: async () => ({ type: 'not_found' }) } });
    await press(UPDATE_ACTION_ID, offerButtonValue({ relayId: 'rl_1', offerId: 'of_2', secondCopy: true }));
    expect(askedOf(d)).toMatchObject({ relayId: 'rl_1', offerId: 'of_2', secondCopy: true });
  });

  it('in the compose window, says the update is under way there and answers by DM', async () => {
    const { claimed, updated } = updating();
    const { d, press } = buttons({
      sync: {
        receiveUpdate: async () => ({ type: 'accepted', record: claimed }),
        carryOutUpdate: async () => ({ type: 'updated', record: updated, keptOld: 1 }),
      },
    });
    const { respond } = await press(
      UPDATE_ACTION_ID,
      offerButtonValue({ relayId: claimed.id, offerId: 'of_m', secondCopy: false }),
      {
        responseUrl: false,
        viewId: 'V0COMPOSE',
      },
    );
    expect(askedOf(d)?.via).toBe('manual');
    const [window] = d.callsTo('views.update');
    expect(window?.args.view_id).toBe('V0COMPOSE');
    expect(textsOf(window)).toContain(`Updating the copy in Fxiaoke (relay \`${claimed.id}\`)`);
    await d.settled();
    expect(respond.payloads).toEqual([]);
    const dm = d.callsTo('chat.postMessage').find((call) => call.args.channel === SENDER);
    expect(textsOf(dm)).toContain('The old copy stays in Fxiaoke (1 message could not be taken back)');
  });

  it('answers a click by someone else at once, from what the relay said, and carries out nothing', async () => {
    const record = sentRecord({ senderId: 'U0OTHER' });
    const { d, press } = buttons({ sync: { receiveUpdate: async () => ({ type: 'forbidden', record }) } });
    const { respond } = await press(
      UPDATE_ACTION_ID,
      offerButtonValue({ relayId: record.id, offerId: 'of_1', secondCopy: false }),
      {
        userId: 'U0STRANGER',
      },
    );
    expect(askedOf(d)?.actorId).toBe('U0STRANGER');
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      `:no_entry: Only <@U0OTHER> (who sent it) or an fx-bridge admin can update relay \`${record.id}\`. Nothing was changed.`,
    ]);
    expect(d.relay.calls.map((call) => call.method)).toEqual(['sync.receiveUpdate']);
  });

  it('says nothing was updated when the store did not take the click', async () => {
    const { d, press } = buttons({ sync: { receiveUpdate: async () => ({ type: 'unavailable' }) } });
    const { ack, respond } = await press(UPDATE_ACTION_ID, 'rl_1|of_1');
    expect(ack.payloads).toEqual([undefined]);
    expect(textsGiven(respond)).toEqual([
      `:warning: ${NOT_TAKEN} nothing was updated. Please try again in a moment.`,
    ]);
    await d.settled();
    expect(d.callsTo('chat.update')).toEqual([]);
  });

  it('says a button it cannot read changed nothing, and asks the relay nothing', async () => {
    const { d, press } = buttons();
    const { ack, respond } = await press(UPDATE_ACTION_ID, 'garbage');
    expect(ack.payloads).toEqual([undefined]);
    expect(textsGiven(respond)).toEqual([BROKEN]);
    expect(d.relay.calls).toEqual([]);
  });
});

describe('Leave it (fx_update_skip) and Keep (fx_keep)', () => {
  it('closes the question before the ack and says the Fxiaoke copy stays as it was', async () => {
    const record = sentRecord();
    const { d, press } = buttons({
      sync: { dismissOffer: async () => ({ type: 'dismissed', record, kind: 'edit' }) },
    });
    const { respond } = await press(
      UPDATE_SKIP_ACTION_ID,
      offerButtonValue({ relayId: record.id, offerId: 'of_1', secondCopy: false }),
    );
    expect(d.timeline).toEqual(['relay.sync.dismissOffer', 'ack']);
    expect(d.relay.calls[0]?.args).toEqual([record.id, 'of_1', SENDER]);
    expect(respond.payloads).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: `:ok_hand: Left as it was: the copy in Fxiaoke keeps the old text (relay \`${record.id}\`).`,
      },
    ]);
  });

  it('Keep after a delete says the copy stays and how to take it back', async () => {
    const record = sentRecord();
    const { d, press } = buttons({
      sync: { dismissOffer: async () => ({ type: 'dismissed', record, kind: 'delete' }) },
    });
    const { respond } = await press(
      KEEP_ACTION_ID,
      offerButtonValue({ relayId: record.id, offerId: 'of_d', secondCopy: false }),
    );
    expect(d.relay.calls.map((call) => call.method)).toEqual(['sync.dismissOffer']);
    expect(textsGiven(respond)).toEqual([
      `:ok_hand: Kept: the copy in Fxiaoke stays, although the Slack message was deleted (relay \`${record.id}\`). Revoke from Fxiaoke in the App Home still takes it back.`,
    ]);
  });

  it('answers a stale question, a click by someone else, an unknown relay, a slow store and an unreadable button', async () => {
    const record = sentRecord({ senderId: 'U0OTHER' });
    const cases = [
      {
        outcome: { type: 'stale', record } as const,
        text: ':information_source: This question was already answered, or a newer one replaced it. Nothing was changed.',
      },
      {
        outcome: { type: 'forbidden', record } as const,
        text: ':no_entry: Only <@U0OTHER> (who sent it) or an fx-bridge admin can answer this.',
      },
      {
        outcome: { type: 'not_found' } as const,
        text: ':information_source: fx-bridge has no relay for this; nothing was changed.',
      },
      {
        outcome: { type: 'unavailable' } as const,
        text: `:warning: ${NOT_TAKEN} the question is still open. Please try again in a moment.`,
      },
    ];
    for (const { outcome, text } of cases) {
      for (const actionId of [UPDATE_SKIP_ACTION_ID, KEEP_ACTION_ID]) {
        const { d, press } = buttons({ sync: { dismissOffer: async () => outcome } });
        const { respond } = await press(actionId, `${record.id}|of_1`, { userId: 'U0STRANGER' });
        expect(d.relay.calls[0]?.args).toEqual([record.id, 'of_1', 'U0STRANGER']);
        expect(textsGiven(respond)).toEqual([text]);
      }
    }
    const { d, press } = buttons();
    const { ack, respond } = await press(KEEP_ACTION_ID, 'garbage');
    expect(ack.payloads).toEqual([undefined]);
    expect(textsGiven(respond)).toEqual([BROKEN]);
    expect(d.relay.calls).toEqual([]);
  });

  it('acks and stays silent where there is no response_url to answer on', async () => {
    const record = sentRecord();
    const { d, press } = buttons({
      sync: { dismissOffer: async () => ({ type: 'dismissed', record, kind: 'edit' }) },
    });
    const { ack, respond } = await press(UPDATE_SKIP_ACTION_ID, `${record.id}|of_1`, { responseUrl: false });
    expect(ack.payloads).toEqual([undefined]);
    expect(d.relay.calls.map((call) => call.method)).toEqual(['sync.dismissOffer']);
    expect(respond.payloads).toEqual([]);
    expect(d.client.calls).toEqual([]);
  });
});
