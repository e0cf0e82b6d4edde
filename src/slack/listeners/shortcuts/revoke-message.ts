/** The **Revoke from Fxiaoke** message shortcut (`fx_revoke_message`). */
import type { App, MessageShortcut, webApi } from '@slack/bolt';
import { revokeMessageRelays } from '../../../relay/message-relays.js';
import { type RevokeOutcome, type RevokeRequest, revokeRelay } from '../../../relay/revoke.js';
import type { ListenerContext } from '../../context.js';
import { refreshHome } from '../../home-publish.js';
import { revokeOutcomeText } from '../../replies.js';
import { hasBotReceipt, updateReceipt } from '../../slack-io.js';

export const REVOKE_SHORTCUT_ID = 'fx_revoke_message';

/** Where the person who asked reads the answer; without one, their App Home shows it. */
export type Tell = (text: string) => Promise<void>;

export function registerRevokeShortcut(app: App, ctx: ListenerContext): void {
  app.shortcut<MessageShortcut>(
    { callback_id: REVOKE_SHORTCUT_ID, type: 'message_action' },
    async ({ ack, shortcut, client, respond }) => {
      await ack();
      // `team` is null on org-wide installs; the clicking user's team is then the message's team.
      const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
      const ref = { teamId, channelId: shortcut.channel.id, ts: shortcut.message.ts };
      const actorId = shortcut.user.id;
      const tell: Tell = async (text) => {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      };
      // Everything sent from this message: the relay keyed by it and any deliberate repeats.
      await runRevoke(ctx, client, actorId, tell, () => revokeMessageRelays(ctx.relay, ref, actorId));
    },
  );
}

/** Shared by the shortcut and the button: revoke, refresh the receipt, tell the person who asked. */
export function handleRevoke(
  ctx: ListenerContext,
  client: webApi.WebClient,
  tell: Tell | undefined,
  request: RevokeRequest,
): Promise<void> {
  return runRevoke(ctx, client, request.actorId, tell, async () => [await revokeRelay(ctx.relay, request)]);
}

function runRevoke(
  ctx: ListenerContext,
  client: webApi.WebClient,
  actorId: string,
  tell: Tell | undefined,
  revoke: () => Promise<RevokeOutcome[]>,
): Promise<void> {
  return ctx.work.run(async () => {
    let text: string;
    try {
      const outcomes = await revoke();
      for (const outcome of outcomes) await refreshReceipt(client, outcome, ctx);
      text = outcomes.map(revokeOutcomeText).join('\n');
    } catch (error) {
      ctx.logger.error({ err: error, actorId }, 'revoke failed');
      text =
        ':x: fx-bridge hit an internal error while revoking. Try again; if it persists, ask an admin to check the logs.';
    }
    if (tell) {
      await tell(text).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'could not answer a revoke'),
      );
    }
    // Refreshed after each revoke; with nowhere else to answer, the Home itself says what happened.
    await refreshHome(ctx, client, actorId, tell ? undefined : text);
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
