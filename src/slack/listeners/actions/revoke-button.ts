/**
 * The Revoke button (`fx_revoke`, value = relay id): on a receipt, on a private answer, or in the
 * App Home. The relay is claimed for revoking before the ack. A Home tab has no response_url, so
 * there the refreshed Home carries the answer.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { ListenerContext } from '../../context.js';
import { answerByResponseUrl, answerInChannel } from '../../jobs/answer.js';
import { REVOKE_ACTION_ID } from '../../receipt/view.js';
import type { ButtonArgs } from './cancel-held.js';

export function revokeButton(ctx: ListenerContext) {
  return async ({ ack, body, action, respond, client }: ButtonArgs): Promise<void> => {
    const received = await ctx.relay.receiveRevoke({ relayId: action.value ?? '' }, body.user.id);
    await ack();
    const fallback = answerInChannel(client, ctx.logger, body.channel?.id, body.user.id);
    const answer = body.response_url ? answerByResponseUrl(respond, { replace: false, fallback }) : undefined;
    // Where a forked worker answers, should it carry the revoke out (RELAY_WORKERS=fork).
    await ctx.jobs.revoke(received, body.user.id, answer, {
      ...(body.response_url ? { responseUrl: { url: body.response_url, issuedAt: Date.now() } } : {}),
      ...(body.channel?.id ? { channelId: body.channel.id } : {}),
    });
  };
}

export function registerRevokeButton(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(REVOKE_ACTION_ID, revokeButton(ctx));
}
