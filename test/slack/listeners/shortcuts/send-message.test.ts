import { describe, expect, it } from 'vitest';
import { sendMessage } from '../../../../src/slack/listeners/shortcuts/send-message.js';
import { CHANNEL, door, SENDER, TEAM, textsGiven } from '../door-kit.js';
import { messageShortcut } from './message-shortcut.js';

describe('Send to Fxiaoke on a message', () => {
  it('acks at once and opens the compose window with the message in it', async () => {
    const d = door();
    const { ack, respond, args } = messageShortcut(d, 'fx_send_message');
    await sendMessage(d.ctx)(args);
    // Acked before anything else: the trigger_id's 3 seconds are for opening the window.
    expect(d.timeline[0]).toBe('ack');
    expect(ack.payloads).toEqual([undefined]);
    expect(d.relay.calls.map((call) => call.method)).toEqual(['admitSend', 'relaysOfMessage']);
    expect(d.relay.calls[0]?.args[0]).toEqual({ userId: SENDER, channelId: CHANNEL });
    const [opened] = d.callsTo('views.open');
    const view = opened?.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('fx_send_modal');
    expect(JSON.parse(view.private_metadata)).toMatchObject({
      teamId: TEAM,
      channelId: CHANNEL,
      messageTs: '1700000000.000100',
    });
    expect(JSON.stringify(view)).toContain('the numbers');
    expect(respond.payloads).toEqual([]);
  });

  it('gives a refused sender the reason instead of a window', async () => {
    const d = door({ admitSend: async () => ({ kind: 'group_lookup_failed' }) });
    const { respond, args } = messageShortcut(d, 'fx_send_message');
    await sendMessage(d.ctx)(args);
    expect(d.callsTo('views.open')).toEqual([]);
    expect(textsGiven(respond)).toEqual([
      ':warning: Nothing was sent: fx-bridge could not check your user group membership with Slack. Try again in a moment.',
    ]);
  });

  it('says the window could not be opened when Slack refuses it', async () => {
    const d = door({}, { failing: ['views.open'] });
    const { respond, args } = messageShortcut(d, 'fx_send_message');
    await sendMessage(d.ctx)(args);
    expect(textsGiven(respond)).toEqual([
      ':x: The Send to Fxiaoke window could not be opened (Slack allows 3 seconds for it). Please try again.',
    ]);
  });
});
