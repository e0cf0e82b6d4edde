/** "Cancel" on a held relay (`fx_cancel_held`, value = held relay id): recorded, then acked; nothing is sent. */
import type { App, BlockButtonAction } from '@slack/bolt';
import { cancelHeldRelay } from '../../../relay/held.js';
import { withinIntake } from '../../../relay/intake.js';
import type { ListenerContext } from '../../context.js';
import { CANCEL_HELD_ACTION_ID, heldOutcomeText } from '../../held-replies.js';
import { refreshHome } from '../../home-publish.js';
import { notTakenText, respondAnswer } from '../../jobs/answer.js';

export function registerCancelHeld(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(CANCEL_HELD_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    // A cancel that lands late still only cancels: nothing to undo.
    const outcome = await withinIntake(
      ctx.relay,
      cancelHeldRelay(ctx.relay, action.value ?? '', body.user.id),
      async () => undefined,
    );
    await ack();
    const text =
      outcome.type === 'unavailable'
        ? `:warning: ${notTakenText('the message is still held')}`
        : heldOutcomeText(outcome);
    await respondAnswer(respond, { replace: true })(text).catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'could not answer a cancel'),
    );
    await ctx.work.run(() => refreshHome(ctx, client, body.user.id));
  });
}
