/**
 * "Send to the N who can be reached" on a held relay (`fx_send_reachable`, value = held relay id):
 * the confirmation is recorded (the held relay is received again) before the ack, then it is sent
 * to the recipients who could be reached, in the work queue. A relay of a Slack message answers
 * privately with the Revoke button; one from /fx-send posts its receipt in the channel.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { answerByResponseUrl, answerInChannel } from '../../jobs/answer.js';
import { SEND_REACHABLE_ACTION_ID } from '../../replies/held.js';
import type { ButtonArgs } from './cancel-held.js';

export function sendReachable(ctx: ListenerContext) {
  return async ({ ack, body, action, respond, client }: ButtonArgs): Promise<void> => {
    const received = await ctx.relay.receiveConfirmation(action.value ?? '', body.user.id);
    await ack();
    const fallback = answerInChannel(client, ctx.logger, body.channel?.id, body.user.id);
    await ctx.jobs.confirm(received, answerByResponseUrl(respond, { replace: true, fallback }));
  };
}

export function registerSendReachable(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(SEND_REACHABLE_ACTION_ID, sendReachable(ctx));
}
