/**
 * Answers to the questions about edits and deletes (jobs/sync-jobs.ts), and the manual update in
 * the compose window: **Update in Fxiaoke** (`fx_update`), **Leave it** (`fx_update_skip`),
 * **Keep** (`fx_keep`). The value names the relay and the question (sync/replies.ts). An update is
 * claimed before the ack (compare-and-set: a double click or two replicas update once) and carried
 * out in the work queue; Leave it / Keep only close the question.
 */
import type { App, BlockButtonAction } from '@slack/bolt';
import type { UpdateReceived } from '../../../relay/update.js';
import type { ListenerContext } from '../../context.js';
import { type Answer, answerByDm, answerByResponseUrl, answerInChannel } from '../../jobs/answer.js';
import { updatingView } from '../../sync/manual-update.js';
import {
  BROKEN_BUTTON_TEXT,
  dismissOutcomeText,
  KEEP_ACTION_ID,
  parseOfferButtonValue,
  UPDATE_ACTION_ID,
  UPDATE_NOT_TAKEN_TEXT,
  UPDATE_SKIP_ACTION_ID,
  updateOutcomeReply,
} from '../../sync/replies.js';

export function registerUpdateButtons(app: App, ctx: ListenerContext): void {
  app.action<BlockButtonAction>(UPDATE_ACTION_ID, async ({ ack, body, action, client, respond }) => {
    const value = parseOfferButtonValue(action.value);
    const actorId = body.user.id;
    const received: UpdateReceived | { type: 'unavailable' } | undefined = value
      ? await ctx.relay.sync.receiveUpdate({
          relayId: value.relayId,
          actorId,
          offerId: value.offerId,
          secondCopy: value.secondCopy,
          via: body.view ? 'manual' : 'button',
        })
      : undefined;
    await ack();
    // In the compose window (a modal) there is no response_url: the answer comes as a DM.
    const answer: Answer = body.response_url
      ? answerByResponseUrl(respond, {
          replace: false,
          fallback: answerInChannel(client, ctx.logger, body.channel?.id, actorId),
        })
      : answerByDm(client, actorId);
    if (!received) return void (await answer(BROKEN_BUTTON_TEXT).catch(() => undefined));
    if (received.type === 'unavailable')
      return void (await answer(UPDATE_NOT_TAKEN_TEXT).catch(() => undefined));
    if (received.type === 'accepted') {
      if (body.view?.id) {
        await client.views
          .update({ view_id: body.view.id, view: updatingView(received.record.id) })
          .catch((error: unknown) => ctx.logger.info({ err: error }, 'compose window could not be updated'));
      }
      // Where `answer` goes, said so a forked worker can answer there (RELAY_WORKERS=fork).
      ctx.jobs.sync.update(received.record, answer, {
        userId: actorId,
        ...(body.response_url
          ? {
              responseUrl: { url: body.response_url, issuedAt: Date.now() },
              ...(body.channel?.id ? { channelId: body.channel.id } : {}),
            }
          : {}),
      });
      return;
    }
    const reply = updateOutcomeReply(received);
    await answer(reply.text, reply.blocks).catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'could not answer an update click'),
    );
  });

  for (const actionId of [UPDATE_SKIP_ACTION_ID, KEEP_ACTION_ID]) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond, client }) => {
      const value = parseOfferButtonValue(action.value);
      const outcome = value
        ? await ctx.relay.sync.dismissOffer(value.relayId, value.offerId, body.user.id)
        : undefined;
      await ack();
      const text = dismissOutcomeText(outcome);
      const fallback = answerInChannel(client, ctx.logger, body.channel?.id, body.user.id);
      if (body.response_url) await answerByResponseUrl(respond, { replace: false, fallback })(text);
    });
  }
}
