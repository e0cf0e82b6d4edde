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
import { type Answer, answerByDm, answerByResponseUrl, notTakenText } from '../../jobs/answer.js';
import {
  KEEP_ACTION_ID,
  parseOfferButtonValue,
  UPDATE_ACTION_ID,
  UPDATE_SKIP_ACTION_ID,
  updateOutcomeReply,
} from '../../sync/replies.js';

const BROKEN_BUTTON =
  ':warning: This button carries no relay fx-bridge can read (it may come from an older version). Nothing was changed.';

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
      ? answerByResponseUrl(respond, { replace: false })
      : answerByDm(client, actorId);
    if (!received) return void (await answer(BROKEN_BUTTON).catch(() => undefined));
    if (received.type === 'unavailable') {
      await answer(`:warning: ${notTakenText('nothing was updated')}`).catch(() => undefined);
      return;
    }
    if (received.type === 'accepted') {
      if (body.view?.id) await showUpdating(ctx, client, body.view.id, received.record.id);
      ctx.jobs.sync.update(received.record, answer);
      return;
    }
    const reply = updateOutcomeReply(received);
    await answer(reply.text, reply.blocks).catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'could not answer an update click'),
    );
  });

  for (const actionId of [UPDATE_SKIP_ACTION_ID, KEEP_ACTION_ID]) {
    app.action<BlockButtonAction>(actionId, async ({ ack, body, action, respond }) => {
      const value = parseOfferButtonValue(action.value);
      const outcome = value
        ? await ctx.relay.sync.dismissOffer(value.relayId, value.offerId, body.user.id)
        : undefined;
      await ack();
      const text = !outcome
        ? BROKEN_BUTTON
        : outcome.type === 'unavailable'
          ? `:warning: ${notTakenText('the question is still open')}`
          : outcome.type === 'dismissed'
            ? outcome.kind === 'edit'
              ? `:ok_hand: Left as it was: the copy in Fxiaoke keeps the old text (relay \`${outcome.record.id}\`).`
              : `:ok_hand: Kept: the copy in Fxiaoke stays, although the Slack message was deleted (relay \`${outcome.record.id}\`). Revoke from Fxiaoke in the App Home still takes it back.`
            : outcome.type === 'stale'
              ? `:information_source: This question was already answered, or a newer one replaced it. Nothing was changed.`
              : outcome.type === 'forbidden'
                ? `:no_entry: Only <@${outcome.record.senderId}> (who sent it) or an fx-bridge admin can answer this.`
                : ':information_source: fx-bridge has no relay for this; nothing was changed.';
      if (body.response_url) await respond({ response_type: 'ephemeral', replace_original: false, text });
    });
  }
}

/** The compose window says the update is under way (its answer follows as a DM). */
async function showUpdating(
  ctx: ListenerContext,
  client: Parameters<Parameters<App['action']>[1]>[0]['client'],
  viewId: string,
  relayId: string,
): Promise<void> {
  await client.views
    .update({
      view_id: viewId,
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Send to Fxiaoke' },
        close: { type: 'plain_text', text: 'Close' },
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `:hourglass_flowing_sand: Updating the copy in Fxiaoke (relay \`${relayId}\`). fx-bridge sends you a message when it is done.`,
            },
          },
        ],
      },
    })
    .catch((error: unknown) => ctx.logger.info({ err: error }, 'compose window could not be updated'));
}
