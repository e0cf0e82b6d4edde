/**
 * The Revoke button (`fx_revoke`, value = relay id): on a receipt, on a private answer, or in the
 * App Home. A Home tab has no response_url, so there the refreshed Home carries the answer.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { REVOKE_ACTION_ID } from '../../receipt.js';
import { handleRevoke, type Tell } from '../shortcuts/revoke-message.js';

export function registerRevokeButton(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(REVOKE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    const tell: Tell | undefined = body.response_url
      ? async (text) => {
          await respond({ response_type: 'ephemeral', replace_original: false, text });
        }
      : undefined;
    await handleRevoke(ctx, client, tell, {
      target: { relayId: action.value ?? '' },
      actorId: body.user.id,
    });
  });
}
