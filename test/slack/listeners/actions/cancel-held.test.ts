import { describe, expect, it } from 'vitest';
import { cancelHeld } from '../../../../src/slack/listeners/actions/cancel-held.js';
import { door, SENDER, sentRecord, textsGiven, textsOf } from '../door-kit.js';
import { click } from './buttons.js';

describe('Cancel on a held relay', () => {
  it('records the cancel before the ack, says so in place of the held message, and refreshes the Home', async () => {
    const held = sentRecord({ status: 'failed', batches: [] });
    const d = door({ cancelHeld: async () => ({ type: 'cancelled', record: held }) });
    const { ack, respond, args } = click(d, 'fx_cancel_held', held.id);
    await cancelHeld(d.ctx)(args);
    expect(d.relay.calls[0]).toEqual({ method: 'cancelHeld', args: [held.id, SENDER] });
    expect(d.timeline.slice(0, 2)).toEqual(['relay.cancelHeld', 'ack']);
    expect(ack.payloads).toEqual([undefined]);
    expect(respond.payloads).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: true,
        text: ':information_source: Cancelled. Nothing was sent to Fxiaoke.',
      },
    ]);
    await d.settled();
    const [home] = d.callsTo('views.publish');
    expect(home?.args.user_id).toBe(SENDER);
    expect(textsOf(home)).toContain('Your recent relays');
  });

  it('tells someone else that only the sender may cancel', async () => {
    const held = sentRecord({ senderId: 'U0OTHER', status: 'failed', batches: [] });
    const d = door({ cancelHeld: async () => ({ type: 'forbidden', record: held }) });
    const { respond, args } = click(d, 'fx_cancel_held', held.id);
    await cancelHeld(d.ctx)(args);
    expect(textsGiven(respond)).toEqual([
      ':no_entry: Only <@U0OTHER>, who asked for this relay, can confirm or cancel it.',
    ]);
  });

  it('says the message is still held when the store did not take the cancel', async () => {
    const d = door({ cancelHeld: async () => ({ type: 'unavailable' }) });
    const { ack, respond, args } = click(d, 'fx_cancel_held', 'rl_x');
    await cancelHeld(d.ctx)(args);
    expect(ack.payloads).toEqual([undefined]);
    expect(textsGiven(respond)).toEqual([
      ':warning: fx-bridge could not record this request in time (its store is slow or unreachable), so nothing was taken and the message is still held. Please try again in a moment.',
    ]);
  });
});
