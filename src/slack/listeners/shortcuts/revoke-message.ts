/** The **Revoke from Fxiaoke** message shortcut (`fx_revoke_message`). */
import type { App, MessageShortcut, RespondFn, webApi } from '@slack/bolt';
import { type RevokeOutcome, revokeRelay } from '../../../relay/revoke.js';
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
      try {
        const outcome = await revokeRelay(ctx.relay, {
          target: { ref: { teamId, channelId: shortcut.channel.id, ts: shortcut.message.ts } },
          actorId: shortcut.user.id,
        });
        await answerRevoke(client, respond, outcome, ctx);
      } catch (error) {
        ctx.logger.error(
          { err: error, channel: shortcut.channel.id, ts: shortcut.message.ts },
          'revoke shortcut failed',
        );
        await respond({
          response_type: 'ephemeral',
          text: ':x: fx-bridge hit an internal error while revoking. Try again; if it persists, ask an admin to check the logs.',
        });
      }
    },
  );
}

/** Shared by the shortcut and the button: refresh the receipt, then tell the person who asked. */
export async function answerRevoke(
  client: webApi.WebClient,
  respond: RespondFn,
  outcome: RevokeOutcome,
  ctx: ListenerContext,
): Promise<void> {
  const changed = outcome.type === 'revoked' || outcome.type === 'revoke_failed';
  if (changed && hasBotReceipt(outcome.record)) {
    try {
      await updateReceipt(client, outcome.record);
    } catch (error) {
      ctx.logger.warn(
        { err: error, relayId: outcome.record.id },
        'receipt could not be updated after revoke',
      );
    }
  }
  await respond({ response_type: 'ephemeral', replace_original: false, text: revokeOutcomeText(outcome) });
}
