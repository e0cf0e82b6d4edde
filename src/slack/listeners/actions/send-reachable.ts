/**
 * "Send to the N who can be reached" on a held relay (`fx_send_reachable`, value = held relay id):
 * the confirmation is recorded (the held relay is received again) before the ack, then it is sent
 * to the recipients who could be reached, in the work queue. A relay of a Slack message answers
 * privately with the Revoke button; one from /fx-send posts its receipt in the channel.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import { receiveHeldConfirmation, returnToHold } from '../../../relay/held.js';
import { withinIntake } from '../../../relay/intake.js';
import type { ListenerContext } from '../../context.js';
import { heldOutcomeText, SEND_REACHABLE_ACTION_ID } from '../../held-replies.js';
import { NOT_TAKEN_TEXT, respondAnswer, userAnswer } from '../../jobs/answer.js';

export function registerSendReachable(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(SEND_REACHABLE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    const userId = body.user.id;
    const heldId = action.value ?? '';
    const received = await withinIntake(
      ctx.relay,
      receiveHeldConfirmation(ctx.relay, heldId, userId),
      async (late) => {
        // The sender was told nothing was taken: put the relay back on hold.
        if (late.type !== 'accepted') return;
        await returnToHold(ctx.relay, late.record);
      },
    );
    await ack();
    const replace = respondAnswer(respond, { replace: true });
    if (received.type === 'unavailable') {
      await replace(NOT_TAKEN_TEXT).catch(() => undefined);
      return;
    }
    if (received.type !== 'accepted') {
      await replace(heldOutcomeText(received)).catch(() => undefined);
      return;
    }
    await replace(':hourglass_flowing_sand: Sending to the recipients who can be reached…').catch(
      () => undefined,
    );
    const { record } = received;
    ctx.jobs.send(record, userAnswer(client, ctx, record.originChannelId, userId), { replaceHeld: replace });
  });
}
