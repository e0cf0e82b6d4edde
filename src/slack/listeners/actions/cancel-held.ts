/** "Cancel" on a held relay (`fx_cancel_held`, value = held relay id): recorded, then acked; nothing is sent. */
import type { AllMiddlewareArgs, App, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { answerByResponseUrl, answerInChannel } from '../../jobs/answer.js';
import { CANCEL_HELD_ACTION_ID } from '../../replies/held.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export function cancelHeld(ctx: ListenerContext) {
  return async ({ ack, body, action, respond, client }: ButtonArgs): Promise<void> => {
    const outcome = await ctx.relay.cancelHeld(action.value ?? '', body.user.id);
    await ack();
    const fallback = answerInChannel(client, ctx.logger, body.channel?.id, body.user.id);
    await ctx.jobs.cancelled(
      outcome,
      answerByResponseUrl(respond, { replace: true, fallback }),
      body.user.id,
    );
  };
}

export function registerCancelHeld(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(CANCEL_HELD_ACTION_ID, cancelHeld(ctx));
}
