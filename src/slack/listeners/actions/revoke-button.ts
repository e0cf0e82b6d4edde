/**
 * The Revoke button (`fx_revoke`, value = relay id): on a receipt, on a private answer, or in the
 * App Home. The relay is claimed for revoking before the ack. A Home tab has no response_url, so
 * there the refreshed Home carries the answer.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { withinIntake } from '../../../relay/intake.js';
import { receiveRevoke } from '../../../relay/revoke.js';
import type { ListenerContext } from '../../context.js';
import { refreshHome } from '../../home-publish.js';
import { type Answer, notTakenText, respondAnswer } from '../../jobs/answer.js';
import { REVOKE_ACTION_ID } from '../../receipt.js';
import { splitReceived, undoLateRevokes } from '../shortcuts/revoke-intake.js';

export function registerRevokeButton(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(REVOKE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    const actorId = body.user.id;
    const received = await withinIntake(
      ctx.relay,
      receiveRevoke(ctx.relay, { target: { relayId: action.value ?? '' }, actorId }),
      (late) => undoLateRevokes(ctx, late),
    );
    await ack();
    const answer: Answer | undefined = body.response_url
      ? respondAnswer(respond, { replace: false })
      : undefined;
    if (received.type === 'unavailable') {
      const text = `:warning: ${notTakenText('nothing was revoked')}`;
      if (answer) await answer(text).catch(() => undefined);
      else await ctx.work.run(() => refreshHome(ctx, client, actorId, text));
      return;
    }
    const { claimed, answered } = splitReceived([received]);
    ctx.jobs.revoke(claimed, answered, actorId, answer);
  });
}
