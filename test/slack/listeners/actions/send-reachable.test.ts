import { describe, expect, it } from 'vitest';
import { sendReachable } from '../../../../src/slack/listeners/actions/send-reachable.js';
import { CHANNEL, door, receivedRecord, SENDER, sentRecord, TEAM, textsGiven, textsOf } from '../door-kit.js';
import { click } from './buttons.js';

describe('Send to the reachable, on a held relay', () => {
  it('records the confirmation before the ack, then sends and says where the receipt is', async () => {
    const confirmed = receivedRecord({
      intake: { door: 'command', teamId: TEAM, senderName: 'sender', confirmedBy: SENDER, receivedAt: 0 },
    });
    const d = door({
      receiveConfirmation: async () => ({ type: 'accepted', record: confirmed }),
      carryOutConfirmation: async (record, observer) => {
        const sent = sentRecord({ id: record.id, intake: record.intake, slack: undefined });
        const receipt = await observer.onFirstAccepted?.(sent);
        return { type: 'finished', record: { ...sent, ...(receipt ? { slack: receipt } : {}) } };
      },
    });
    const { ack, respond, args } = click(d, 'fx_send_reachable', confirmed.id);
    await sendReachable(d.ctx)(args);
    expect(d.relay.calls[0]).toEqual({ method: 'receiveConfirmation', args: [confirmed.id, SENDER] });
    expect(d.timeline.slice(0, 2)).toEqual(['relay.receiveConfirmation', 'ack']);
    expect(ack.payloads).toEqual([undefined]);
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      ':hourglass_flowing_sand: Sending to the recipients who can be reached…',
      `:white_check_mark: Sent as relay \`${confirmed.id}\`; the receipt is in the channel.`,
    ]);
    expect(
      respond.payloads.every((payload) => (payload as { replace_original?: boolean }).replace_original),
    ).toBe(true);
    const [receipt] = d.callsTo('chat.postMessage');
    expect(receipt?.args.channel).toBe(CHANNEL);
    expect(textsOf(receipt)).toContain(':white_check_mark: Sent');
  });

  it('answers a confirmation that sends nothing new in place of the held message', async () => {
    const relay = sentRecord();
    const d = door({
      receiveConfirmation: async () => ({ type: 'already_confirmed', record: relay, relay }),
    });
    const { respond, args } = click(d, 'fx_send_reachable', relay.id);
    await sendReachable(d.ctx)(args);
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      `:information_source: This was already sent as relay \`${relay.id}\` (status: sent). It was not sent again.`,
    ]);
    expect(d.relay.calls.map((call) => call.method)).toEqual(['receiveConfirmation']);
  });

  it('says nothing was taken when the store did not take the confirmation', async () => {
    const d = door({ receiveConfirmation: async () => ({ type: 'unavailable' }) });
    const { respond, args } = click(d, 'fx_send_reachable', 'rl_x');
    await sendReachable(d.ctx)(args);
    expect(textsGiven(respond)[0]).toContain('nothing was taken and nothing will be sent');
  });
});
