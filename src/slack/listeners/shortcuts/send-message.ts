/** The **Send to Fxiaoke** message shortcut (`fx_send_message`): open the compose modal at once. */
import type { App, MessageShortcut } from '@slack/bolt';
import { openComposeIfAdmitted } from '../../compose/admission.js';
import type { ListenerContext } from '../../context.js';
import { answerByResponseUrl, answerInChannel } from '../../jobs/answer.js';
import { sendRefusalText } from '../../replies/results.js';
import type { MessageShortcutArgs } from './revoke-message.js';

export const SEND_SHORTCUT_ID = 'fx_send_message';

export function sendMessage(ctx: ListenerContext) {
  return async ({ ack, shortcut, client, respond }: MessageShortcutArgs): Promise<void> => {
    await ack();
    // `team` is null on org-wide installs; the clicking user's team is then the message's team.
    const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
    const fallback = answerInChannel(client, ctx.logger, shortcut.channel.id, shortcut.user.id);
    const answer = answerByResponseUrl(respond, { fallback });
    try {
      // trigger_id lives 3 s and works once: the access check and openComposeModal each spend at
      // most a few hundred ms first. A refused sender gets no modal, only the reason.
      const refusal = await openComposeIfAdmitted(
        ctx,
        client,
        shortcut.trigger_id,
        {
          teamId,
          channelId: shortcut.channel.id,
          channelName: shortcut.channel.name,
          message: shortcut.message,
          userId: shortcut.user.id,
        },
        shortcut.user.id,
      );
      if (refusal) await answer(sendRefusalText(refusal));
    } catch (error) {
      ctx.logger.warn({ err: error }, 'compose modal could not be opened');
      await answer(
        ':x: The Send to Fxiaoke window could not be opened (Slack allows 3 seconds for it). Please try again.',
      );
    }
  };
}

export function registerSendShortcut(app: App, ctx: ListenerContext): void {
  app.shortcut<MessageShortcut>({ callback_id: SEND_SHORTCUT_ID, type: 'message_action' }, sendMessage(ctx));
}
