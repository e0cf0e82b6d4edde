/** "Cancel" on a held relay (`fx_cancel_held`, value = held relay id): nothing is sent. */
import type { App, BlockButtonAction } from '@slack/bolt';
import { cancelHeldRelay } from '../../../relay/held.js';
import type { ListenerContext } from '../../context.js';
import { CANCEL_HELD_ACTION_ID, heldOutcomeText } from '../../held-replies.js';
import { refreshHome } from '../../home-publish.js';

export function registerCancelHeld(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(CANCEL_HELD_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    await ctx.work.run(async () => {
      let text: string;
      try {
        text = heldOutcomeText(await cancelHeldRelay(ctx.relay, action.value ?? '', body.user.id));
      } catch (error) {
        ctx.logger.error({ err: error, user: body.user.id }, 'cancelling a held relay failed');
        text = ':x: fx-bridge hit an internal error; nothing was sent. Check the app logs or ask an admin.';
      }
      await respond({ response_type: 'ephemeral', replace_original: true, text }).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'could not answer a cancel'),
      );
      await refreshHome(ctx, client, body.user.id);
    });
  });
}
