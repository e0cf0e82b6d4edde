/**
 * "Send to the N who can be reached" on a held relay (`fx_send_reachable`, value = held relay id):
 * sends it to the recipients who could be reached. A relay of a Slack message answers privately
 * with the Revoke button; one from /fx-send posts its receipt in the channel, as a direct send would.
 */
import type { App, BlockButtonAction, RespondFn, types, webApi } from '@slack/bolt';
import { confirmHeldRelay } from '../../../relay/held.js';
import { isHeld } from '../../../relay/hold.js';
import { originalOfHeldKey } from '../../../relay/ids.js';
import type { SendHooks } from '../../../relay/send.js';
import { answerPrivately } from '../../compose-relay.js';
import type { ListenerContext } from '../../context.js';
import { heldOutcomeText, SEND_REACHABLE_ACTION_ID } from '../../held-replies.js';
import { refreshHome } from '../../home-publish.js';
import { ReceiptTracker } from '../../receipt-tracker.js';

export function registerSendReachable(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(SEND_REACHABLE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    await ack();
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    await ctx.work.run(async () => {
      const replace = replacer(respond);
      try {
        await confirm(ctx, client, replace, action.value ?? '', userId, teamId);
      } catch (error) {
        ctx.logger.error({ err: error, user: userId }, 'sending a held relay failed');
        await replace(
          ':x: fx-bridge hit an internal error while sending this message. Check the app logs or ask an admin.',
        ).catch(() => undefined);
      } finally {
        await refreshHome(ctx, client, userId);
      }
    });
  });
}

type Replace = (text: string, blocks?: types.KnownBlock[]) => Promise<void>;

/** Replaces the confirmation message (the sender's ephemeral) with the answer. */
function replacer(respond: RespondFn): Replace {
  return async (text, blocks) => {
    await respond({
      response_type: 'ephemeral',
      replace_original: true,
      text,
      ...(blocks ? { blocks } : {}),
    });
  };
}

async function confirm(
  ctx: ListenerContext,
  client: webApi.WebClient,
  replace: Replace,
  heldId: string,
  userId: string,
  teamId: string,
): Promise<void> {
  const held = await ctx.relay.store.findById(heldId);
  // A relay of a Slack message is keyed by it; anything else is keyed by a receipt posted now.
  const keyedByMessage = originalOfHeldKey(held?.requestKey ?? '')?.startsWith('message:') ?? false;
  const receipt = new ReceiptTracker({
    client,
    teamId,
    channelId: held?.originChannelId ?? '',
    tellSender: (text) => replace(text),
  });
  const hooks: SendHooks = {
    ...(keyedByMessage ? { onQueued: receipt.hooks().onQueued } : receipt.hooks()),
    groupMembers: ctx.groupMembers,
  };
  // Feedback while batches go out, only where something will be sent.
  if (held && isHeld(held) && held.senderId === userId) {
    await replace(':hourglass_flowing_sand: Sending to the recipients who can be reached…');
  }
  const outcome = await confirmHeldRelay(ctx.relay, heldId, userId, hooks);
  switch (outcome.type) {
    case 'finished':
      if (receipt.posted) {
        await receipt.update(outcome.record);
        await replace(
          `:white_check_mark: Sent as relay \`${outcome.record.id}\`; the receipt is in the channel.`,
        );
      } else {
        await answerPrivately(outcome.record, replace, 'Relayed to Fxiaoke.');
      }
      return;
    default:
      await replace(heldOutcomeText(outcome));
  }
}
