/** The Revoke button on a receipt (`fx_revoke`, value = relay id). */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { REVOKE_ACTION_ID } from '../../receipt.js';
import { handleRevoke } from '../shortcuts/revoke-message.js';

export function registerRevokeButton(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(REVOKE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    await handleRevoke(ctx, client, respond, {
      target: { relayId: action.value ?? '' },
      actorId: body.user.id,
    });
  });
}
