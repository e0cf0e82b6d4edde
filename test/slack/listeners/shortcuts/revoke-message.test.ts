import { describe, expect, it } from 'vitest';
import { revokeMessage } from '../../../../src/slack/listeners/shortcuts/revoke-message.js';
import { revokeButton } from '../../../../src/slack/receipt/view.js';
import { makeBatch } from '../../../store/records.js';
import { CHANNEL, door, SENDER, sentRecord, TEAM, textsGiven } from '../door-kit.js';
import { messageShortcut } from './message-shortcut.js';

describe('Revoke from Fxiaoke on a message', () => {
  it('claims every relay of the message before the ack and answers one line per relay', async () => {
    const first = sentRecord({ status: 'revoking' });
    const repeat = sentRecord({ status: 'revoked', revokedBy: SENDER });
    const d = door({
      receiveRevoke: async () => ({
        type: 'received',
        claimed: [first],
        answered: [{ type: 'already_revoked', record: repeat }],
      }),
      carryOutRevoke: async () => ({
        type: 'revoked',
        record: {
          ...first,
          status: 'revoked',
          batches: [makeBatch(0, { status: 'revoked', messageId: 'm', revokeTraceId: 'E-R' })],
        },
      }),
    });
    const { ack, respond, args } = messageShortcut(d, 'fx_revoke_message');
    await revokeMessage(d.ctx)(args);
    expect(d.relay.calls[0]).toEqual({
      method: 'receiveRevoke',
      args: [{ message: { teamId: TEAM, channelId: CHANNEL, ts: '1700000000.000100' } }, SENDER],
    });
    expect(d.timeline.slice(0, 2)).toEqual(['relay.receiveRevoke', 'ack']);
    expect(ack.payloads).toEqual([undefined]);
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      [
        `:information_source: Relay \`${repeat.id}\` was already revoked by <@${SENDER}>.`,
        `:wastebasket: Revoked relay \`${first.id}\` from Fxiaoke (1 recipient). traceId \`E-R\`.`,
      ].join('\n'),
    ]);
  });

  it('takes the team from the user on an org-wide install, and says when nothing was taken', async () => {
    const d = door({ receiveRevoke: async () => ({ type: 'unavailable' }) });
    const { respond, args } = messageShortcut(d, 'fx_revoke_message', null);
    await revokeMessage(d.ctx)(args);
    expect(d.relay.calls[0]?.args[0]).toEqual({
      message: { teamId: 'T0USER', channelId: CHANNEL, ts: '1700000000.000100' },
    });
    expect(textsGiven(respond)[0]).toContain('nothing was taken and nothing was revoked');
  });

  it('on a receipt, also names the relay its Revoke button carries (found before its ts is recorded)', async () => {
    const d = door({ receiveRevoke: async () => ({ type: 'received', claimed: [], answered: [] }) });
    const { args } = messageShortcut(d, 'fx_revoke_message');
    const receipt = sentRecord();
    const { shortcut } = args as unknown as { shortcut: { message: { blocks?: unknown[] } } };
    shortcut.message.blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'Sending…' } },
      { type: 'actions', elements: [revokeButton(receipt)] },
    ];
    await revokeMessage(d.ctx)(args);
    expect(d.relay.calls[0]?.args[0]).toEqual({
      message: { teamId: TEAM, channelId: CHANNEL, ts: '1700000000.000100' },
      named: receipt.id,
    });
  });
});
