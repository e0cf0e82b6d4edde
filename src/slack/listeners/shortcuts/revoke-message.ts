/**
 * The **Revoke from Fxiaoke** message shortcut (`fx_revoke_message`): every relay of the message is
 * claimed for revoking (recorded, with who asked) before the ack; the Fxiaoke calls run in the
 * work queue and the answer follows.
 */
import type { App, MessageShortcut } from '@slack/bolt';
import { withinIntake } from '../../../relay/intake.js';
import { receiveMessageRevokes } from '../../../relay/message-relays.js';
import type { ListenerContext } from '../../context.js';
import { notTakenText, respondAnswer } from '../../jobs/answer.js';
import { splitReceived, undoLateRevokes } from './revoke-intake.js';

export const REVOKE_SHORTCUT_ID = 'fx_revoke_message';

export function registerRevokeShortcut(app: App, ctx: ListenerContext): void {
  app.shortcut<MessageShortcut>(
    { callback_id: REVOKE_SHORTCUT_ID, type: 'message_action' },
    async ({ ack, shortcut, respond }) => {
      // `team` is null on org-wide installs; the clicking user's team is then the message's team.
      const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
      const ref = { teamId, channelId: shortcut.channel.id, ts: shortcut.message.ts };
      const actorId = shortcut.user.id;
      // Everything sent from this message: the relay keyed by it and any deliberate repeats.
      const received = await withinIntake(ctx.relay, receiveMessageRevokes(ctx.relay, ref, actorId), (late) =>
        undoLateRevokes(ctx, late),
      );
      await ack();
      const answer = respondAnswer(respond, { replace: false });
      if (!Array.isArray(received)) {
        await answer(`:warning: ${notTakenText('nothing was revoked')}`).catch(() => undefined);
        return;
      }
      const { claimed, answered } = splitReceived(received);
      ctx.jobs.revoke(claimed, answered, actorId, answer);
    },
  );
}
