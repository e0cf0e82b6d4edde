/** The **Send to Fxiaoke** message shortcut (`fx_send_message`): open the compose modal at once. */
import type { App, MessageShortcut } from '@slack/bolt';
import { composeModal } from '../../compose-modal.js';
import type { ListenerContext } from '../../context.js';
import { mrkdwnToPlainText } from '../../mrkdwn.js';

export const SEND_SHORTCUT_ID = 'fx_send_message';

export function registerSendShortcut(app: App, ctx: ListenerContext): void {
  app.shortcut<MessageShortcut>(
    { callback_id: SEND_SHORTCUT_ID, type: 'message_action' },
    async ({ ack, shortcut, client, respond }) => {
      await ack();
      const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
      const text = mrkdwnToPlainText(shortcut.message.text ?? '');
      try {
        // trigger_id lives 3 s and works once: open the modal before anything slow.
        await client.views.open({
          trigger_id: shortcut.trigger_id,
          view: composeModal(
            {
              teamId,
              channelId: shortcut.channel.id,
              messageTs: shortcut.message.ts,
              threadTs: shortcut.message.thread_ts,
            },
            { text },
            ctx.relay.settings.maxMessageLength,
          ),
        });
      } catch (error) {
        ctx.logger.warn({ err: error }, 'compose modal could not be opened');
        await respond({
          response_type: 'ephemeral',
          text: ':x: The Send to Fxiaoke window could not be opened (Slack allows 3 seconds for it). Please try again.',
        });
      }
    },
  );
}
