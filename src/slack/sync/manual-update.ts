/**
 * The manual update (issue: "Send to Fxiaoke on a message already relayed and changed since"):
 * the compose window offers **Update the copy in Fxiaoke (sent to N people on …)** beside sending
 * a new relay. It works without message events (no history scopes): Slack's `edited.ts` on the
 * message says it changed after the relay's current version went out.
 */
import type { types } from '@slack/bolt';
import type { NumberedRelay } from '../../relay/message-relays.js';
import { currentVersionSentAt } from '../../relay/update.js';
import type { ListenerContext } from '../context.js';
import { slackDate } from '../replies/summary.js';
import { offerButtonValue, UPDATE_ACTION_ID } from './replies.js';

export const MANUAL_UPDATE_BLOCK = 'fx_manual_update';

/** Blocks offering the update, recorded as an offer first; none when there is nothing to update. */
export async function manualUpdateBlocks(
  ctx: ListenerContext,
  message: { edited?: unknown } | undefined,
  userId: string | undefined,
  earlier: readonly NumberedRelay[],
  text: string | undefined,
): Promise<types.KnownBlock[]> {
  const relay = earlier.find((each) => each.n === 1)?.record;
  const editedTs = (message?.edited as { ts?: unknown } | undefined)?.ts;
  if (!relay || !userId || text === undefined || typeof editedTs !== 'string') return [];
  if (Number(editedTs) * 1000 <= currentVersionSentAt(relay)) return [];
  const offer = await ctx.relay.sync
    .offerManualUpdate(relay, text, userId, { editedTs })
    .catch((error: unknown) => {
      ctx.logger.warn({ err: error, relayId: relay.id }, 'manual update could not be offered');
      return undefined;
    });
  if (!offer) return [];
  const count = relay.recipients.length;
  const people = `${count} ${count === 1 ? 'person' : 'people'}`;
  const day = new Date(currentVersionSentAt(relay)).toISOString().slice(0, 10);
  return [
    {
      type: 'section',
      block_id: MANUAL_UPDATE_BLOCK,
      text: {
        type: 'mrkdwn',
        text: `:pencil2: *This message changed after it was sent to Fxiaoke* (relay \`${relay.id}\`, ${slackDate(currentVersionSentAt(relay))}). Update the copy there (the old one is taken back and the new text sent to the same ${people}), or send it as a new relay below.`,
      },
    },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: UPDATE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: `Update the copy in Fxiaoke (sent to ${people} on ${day})` },
          value: offerButtonValue({ relayId: relay.id, offerId: offer.id, secondCopy: false }),
        },
      ],
    },
    { type: 'divider' },
  ];
}

/** The compose window once its manual update is claimed: the answer follows as a DM. */
export function updatingView(relayId: string): types.ModalView {
  return {
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
  };
}
