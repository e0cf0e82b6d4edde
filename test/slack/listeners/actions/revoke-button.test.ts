import { describe, expect, it } from 'vitest';
import { HomeViewers } from '../../../../src/slack/home/viewers.js';
import type { HandedOffRevoke } from '../../../../src/slack/jobs/port.js';
import { revokeButton } from '../../../../src/slack/listeners/actions/revoke-button.js';
import { makeBatch } from '../../../store/records.js';
import { door, SENDER, sentRecord, textsGiven, textsOf } from '../door-kit.js';
import { click } from './buttons.js';

function revoking() {
  const claimed = sentRecord({ status: 'revoking' });
  const revoked = sentRecord({
    id: claimed.id,
    ...(claimed.slack ? { slack: claimed.slack } : {}),
    status: 'revoked',
    revokedBy: SENDER,
    batches: [
      makeBatch(0, { status: 'revoked', traceId: 'E-1', messageId: 'msg-1', revokeTraceId: 'E-REVOKE' }),
    ],
  });
  return { claimed, revoked };
}

describe('the Revoke button', () => {
  it('claims the relay before the ack, revokes in the queue, answers and updates the receipt', async () => {
    const { claimed, revoked } = revoking();
    const d = door({
      receiveRevoke: async () => ({ type: 'received', claimed: [claimed], answered: [] }),
      carryOutRevoke: async () => ({ type: 'revoked', record: revoked }),
    });
    const { ack, respond, args } = click(d, 'fx_revoke', claimed.id);
    await revokeButton(d.ctx)(args);
    expect(d.relay.calls[0]).toEqual({ method: 'receiveRevoke', args: [{ relayId: claimed.id }, SENDER] });
    expect(d.timeline.slice(0, 2)).toEqual(['relay.receiveRevoke', 'ack']);
    expect(ack.payloads).toEqual([undefined]);
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      `:wastebasket: Revoked relay \`${claimed.id}\` from Fxiaoke (1 recipient). traceId \`E-REVOKE\`.`,
    ]);
    const [update] = d.callsTo('chat.update');
    expect(update?.args).toMatchObject({ channel: claimed.slack?.channelId, ts: claimed.slack?.ts });
    expect(textsOf(update)).toContain(`:wastebasket: Revoked by <@${SENDER}>`);
  });

  it('answers a click in the App Home in the Home itself', async () => {
    const { claimed, revoked } = revoking();
    const d = door({
      receiveRevoke: async () => ({ type: 'received', claimed: [claimed], answered: [] }),
      carryOutRevoke: async () => ({ type: 'revoked', record: revoked }),
      listFor: async () => ({ admin: false, records: [revoked] }),
    });
    const { respond, args } = click(d, 'fx_revoke', claimed.id, { responseUrl: false });
    await revokeButton(d.ctx)(args);
    await d.settled();
    expect(respond.payloads).toEqual([]);
    const [home] = d.callsTo('views.publish');
    expect(home?.args.user_id).toBe(SENDER);
    expect(textsOf(home)).toContain(`:wastebasket: Revoked relay \`${claimed.id}\` from Fxiaoke`);
  });

  it('says in the Home that nothing was revoked when the store did not take the click', async () => {
    const d = door(
      { receiveRevoke: async () => ({ type: 'unavailable' }) },
      { homeViewers: new HomeViewers() },
    );
    const { args } = click(d, 'fx_revoke', 'rl_x', { responseUrl: false });
    await revokeButton(d.ctx)(args);
    await d.settled();
    expect(textsOf(d.callsTo('views.publish')[0])).toContain('nothing was taken and nothing was revoked');
  });

  it('answers what needs no Fxiaoke call at once, and says why a revoke failed', async () => {
    const record = sentRecord({ senderId: 'U0OTHER' });
    const d = door({
      receiveRevoke: async () => ({
        type: 'received',
        claimed: [],
        answered: [{ type: 'forbidden', record }],
      }),
    });
    const { respond, args } = click(d, 'fx_revoke', record.id);
    await revokeButton(d.ctx)(args);
    await d.settled();
    expect(textsGiven(respond)).toEqual([
      `:no_entry: Only <@U0OTHER> (who sent it) or an fx-bridge admin can revoke relay \`${record.id}\`.`,
    ]);

    const { claimed } = revoking();
    const failing = door({
      receiveRevoke: async () => ({ type: 'received', claimed: [claimed], answered: [] }),
      carryOutRevoke: async () => ({
        type: 'revoke_failed',
        record: claimed,
        error: { kind: 'upstream', code: 50009, message: 'Fxiaoke is busy', traceId: 'E-BUSY' },
      }),
    });
    const second = click(failing, 'fx_revoke', claimed.id);
    await revokeButton(failing.ctx)(second.args);
    await failing.settled();
    expect(textsGiven(second.respond)).toEqual([
      `:x: Relay \`${claimed.id}\` could not be fully revoked. Fxiaoke is busy (errorCode 50009, traceId \`E-BUSY\`)`,
    ]);
  });

  it('hands a claimed revoke to a forked worker with where to answer, and makes no Fxiaoke call here', async () => {
    const { claimed } = revoking();
    const handed: HandedOffRevoke[] = [];
    const d = door(
      { receiveRevoke: async () => ({ type: 'received', claimed: [claimed], answered: [] }) },
      { handOff: { send: async () => undefined, revoke: async (revoke) => void handed.push(revoke) } },
    );
    const { ack, respond, args } = click(d, 'fx_revoke', claimed.id);
    const before = Date.now();
    await revokeButton(d.ctx)(args);
    await d.settled();
    expect(ack.payloads).toEqual([undefined]);
    expect(handed).toEqual([
      {
        relayIds: [claimed.id],
        answered: [],
        actorId: SENDER,
        responseUrl: { url: 'https://hooks.slack.test/actions/1', issuedAt: expect.any(Number) },
      },
    ]);
    expect(handed[0]?.responseUrl?.issuedAt).toBeGreaterThanOrEqual(before);
    expect(d.relay.calls.map((call) => call.method)).toEqual(['receiveRevoke']);
    expect(respond.payloads).toEqual([]);
  });

  it('answers here at once a revoke with nothing to call Fxiaoke for, even with a worker', async () => {
    const { revoked } = revoking();
    const handed: HandedOffRevoke[] = [];
    const d = door(
      {
        receiveRevoke: async () => ({
          type: 'received',
          claimed: [],
          answered: [{ type: 'already_revoked', record: revoked }],
        }),
      },
      { handOff: { send: async () => undefined, revoke: async (revoke) => void handed.push(revoke) } },
    );
    const { respond, args } = click(d, 'fx_revoke', revoked.id);
    await revokeButton(d.ctx)(args);
    await d.settled();
    expect(handed).toEqual([]);
    expect(textsGiven(respond).join('\n')).toContain(revoked.id);
  });
});
