/** The Revoke button on a receipt (`fx_revoke`, value = relay id). */
import type { App, BlockButtonAction } from '@slack/bolt';
import { revokeRelay } from '../../../relay/revoke.js';
import type { ListenerContext } from '../../context.js';
import { REVOKE_ACTION_ID } from '../../receipt.js';
import { answerRevoke } from '../shortcuts/revoke-message.js';

export function registerRevokeButton(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(REVOKE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    try {
      const outcome = await revokeRelay(ctx.relay, {
        target: { relayId: action.value ?? '' },
        actorId: body.user.id,
      });
      await answerRevoke(client, respond, outcome, ctx);
    } catch (error) {
      ctx.logger.error({ err: error, relayId: action.value }, 'revoke button failed');
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: ':x: fx-bridge hit an internal error while revoking. Try again; if it persists, ask an admin to check the logs.',
      });
    }
  });
}
