/**
 * The **Revoke from Fxiaoke** message shortcut (`fx_revoke_message`): every relay of the message is
 * claimed for revoking (recorded, with who asked) before the ack; the Fxiaoke calls run in the
 * work queue and the answer follows.
 */
import type { AllMiddlewareArgs, App, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { answerByResponseUrl, answerInChannel } from '../../jobs/answer.js';
import { relayIdOfReceipt } from '../../receipt/view.js';

export const REVOKE_SHORTCUT_ID = 'fx_revoke_message';

export type MessageShortcutArgs = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;

export function revokeMessage(ctx: ListenerContext) {
  return async ({ ack, shortcut, respond, client }: MessageShortcutArgs): Promise<void> => {
    // `team` is null on org-wide installs; the clicking user's team is then the message's team.
    const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
    const message = { teamId, channelId: shortcut.channel.id, ts: shortcut.message.ts };
    // Everything sent from this message: the relay keyed by it and any deliberate repeats; on a
    // receipt, also the relay its Revoke button names (found even before its ts is recorded).
    const named = relayIdOfReceipt(shortcut.message.blocks);
    const received = await ctx.relay.receiveRevoke(
      { message, ...(named ? { named } : {}) },
      shortcut.user.id,
    );
    await ack();
    const fallback = answerInChannel(client, ctx.logger, shortcut.channel.id, shortcut.user.id);
    await ctx.jobs.revoke(
      received,
      shortcut.user.id,
      answerByResponseUrl(respond, { replace: false, fallback }),
      // Where a forked worker answers, should it carry the revoke out (RELAY_WORKERS=fork).
      {
        responseUrl: { url: shortcut.response_url, issuedAt: Date.now() },
        channelId: shortcut.channel.id,
      },
    );
  };
}

export function registerRevokeShortcut(app: App, ctx: ListenerContext): void {
  app.shortcut<MessageShortcut>(
    { callback_id: REVOKE_SHORTCUT_ID, type: 'message_action' },
    revokeMessage(ctx),
  );
}
