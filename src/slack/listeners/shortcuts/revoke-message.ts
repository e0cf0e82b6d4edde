/** The **Revoke from Fxiaoke** message shortcut (`fx_revoke_message`). */
import type { App, MessageShortcut, RespondFn, webApi } from '@slack/bolt';
import { type RevokeOutcome, type RevokeRequest, revokeRelay } from '../../../relay/revoke.js';
import type { ListenerContext } from '../../context.js';
import { revokeOutcomeText } from '../../replies.js';
import { hasBotReceipt, updateReceipt } from '../../slack-io.js';

export const REVOKE_SHORTCUT_ID = 'fx_revoke_message';

export function registerRevokeShortcut(app: App, ctx: ListenerContext): void {
  app.shortcut<MessageShortcut>(
    { callback_id: REVOKE_SHORTCUT_ID, type: 'message_action' },
    async ({ ack, shortcut, client, respond }) => {
      await ack();
      // `team` is null on org-wide installs; the clicking user's team is then the message's team.
      const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
      await handleRevoke(ctx, client, respond, {
        target: { ref: { teamId, channelId: shortcut.channel.id, ts: shortcut.message.ts } },
        actorId: shortcut.user.id,
      });
    },
  );
}

/** Shared by the shortcut and the button: revoke, refresh the receipt, tell the person who asked. */
export function handleRevoke(
  ctx: ListenerContext,
  client: webApi.WebClient,
  respond: RespondFn,
  request: RevokeRequest,
): Promise<void> {
  return ctx.work.run(async () => {
    try {
      const outcome = await revokeRelay(ctx.relay, request);
      await refreshReceipt(client, outcome, ctx);
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: revokeOutcomeText(outcome),
      });
    } catch (error) {
      ctx.logger.error({ err: error, target: request.target }, 'revoke failed');
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: ':x: fx-bridge hit an internal error while revoking. Try again; if it persists, ask an admin to check the logs.',
      });
    }
  });
}

async function refreshReceipt(
  client: webApi.WebClient,
  outcome: RevokeOutcome,
  ctx: ListenerContext,
): Promise<void> {
  const changed = outcome.type === 'revoked' || outcome.type === 'revoke_failed';
  if (!changed || !hasBotReceipt(outcome.record)) return;
  try {
    await updateReceipt(client, outcome.record);
  } catch (error) {
    ctx.logger.warn({ err: error, relayId: outcome.record.id }, 'receipt could not be updated after revoke');
  }
}
