/**
 * The relay behind a compose modal, after the modal has closed. From a message shortcut the relay
 * is keyed by that message, so **Revoke from Fxiaoke** on it finds the relay; a deliberate second
 * send of the message is keyed by its number (the message is already taken) and still found by
 * that shortcut. From `/fx-send` a receipt is posted in the channel.
 */
import type { types, webApi } from '@slack/bolt';
import { messageRequestKey, repeatRequestKey } from '../relay/ids.js';
import { sendRelay } from '../relay/send.js';
import type { RelayRecord, SlackMessageRef } from '../relay/types.js';
import type { ComposeMetadata } from './compose-modal.js';
import type { ListenerContext } from './context.js';
import { heldMessage } from './held-replies.js';
import { refreshHome } from './home-publish.js';
import { renderReceipt } from './receipt.js';
import { ReceiptTracker } from './receipt-tracker.js';
import { duplicateText, recipientProblemsText, sendFailedText, sendRefusalText } from './replies.js';
import { tellUser } from './tell.js';

export interface ModalRelay {
  userId: string;
  userName: string;
  viewId: string;
  metadata: ComposeMetadata;
  recipients: string[];
  text: string;
}

export async function relayFromModal(
  client: webApi.WebClient,
  ctx: ListenerContext,
  relay: ModalRelay,
): Promise<void> {
  const { metadata, userId } = relay;
  const source: SlackMessageRef | undefined = metadata.messageTs
    ? { teamId: metadata.teamId, channelId: metadata.channelId, ts: metadata.messageTs }
    : undefined;
  const repeat = source && metadata.sendNumber !== undefined ? metadata.sendNumber : undefined;
  const tell = (message: string, blocks?: types.KnownBlock[]) =>
    tellUser(client, ctx, metadata.channelId, userId, message, blocks);
  const receipt = new ReceiptTracker({
    client,
    teamId: metadata.teamId,
    channelId: metadata.channelId,
    tellSender: (text) => tell(text),
  });
  try {
    const outcome = await sendRelay(
      ctx.relay,
      {
        requestKey: source
          ? repeat
            ? repeatRequestKey(source, repeat)
            : messageRequestKey(source)
          : `compose:${metadata.teamId}:${relay.viewId}`,
        senderId: userId,
        senderName: relay.userName,
        originChannelId: metadata.channelId,
        channelName: undefined,
        recipientsInput: relay.recipients,
        text: relay.text,
        // A repeat cannot be keyed by the message: the first relay of it is.
        slack: repeat ? undefined : source,
        attachments: metadata.files,
      },
      // Keyed by the Slack message itself: no receipt, but the sender still hears about a queue.
      source
        ? { profiles: ctx.profiles, groupMembers: ctx.groupMembers, onQueued: receipt.hooks().onQueued }
        : { ...receipt.hooks(), profiles: ctx.profiles, groupMembers: ctx.groupMembers },
    );
    if (outcome.type === 'refused') {
      await tell(sendRefusalText(outcome.refusal));
    } else if (outcome.type === 'duplicate') {
      await tell(duplicateText(outcome.record));
    } else if (outcome.type === 'held') {
      const held = heldMessage(outcome.record, outcome.unreachable);
      await tell(held.text, held.blocks);
    } else if (outcome.type === 'invalid_recipients') {
      await tell(recipientProblemsText(outcome.problems));
    } else if (outcome.type === 'invalid_text') {
      await tell(`:warning: ${outcome.problem}`);
    } else if (receipt.posted) {
      await receipt.update(outcome.record);
    } else {
      await answerPrivately(outcome.record, tell, describeSource(metadata, repeat));
    }
  } catch (error) {
    ctx.logger.error({ err: error, user: userId }, 'compose submission failed');
    await tell(
      ':x: fx-bridge hit an internal error while relaying this message. Check the app logs or ask an admin.',
    );
  } finally {
    await refreshHome(ctx, client, userId);
  }
}

/** What was relayed, for the answer: "this message", "this message (a thread reply), again". */
function describeSource(metadata: ComposeMetadata, repeat: number | undefined): string | undefined {
  if (!metadata.messageTs) return undefined;
  const thread = metadata.threadTs !== undefined ? ' (a thread reply)' : '';
  const again = repeat ? ` again (send #${repeat} of it)` : '';
  return `Relayed this message${thread} to Fxiaoke${again}.`;
}

/** The sender's private answer when no receipt was posted: with the Revoke button when it can be revoked. */
export async function answerPrivately(
  record: RelayRecord,
  tell: (message: string, blocks?: types.KnownBlock[]) => Promise<void>,
  headline: string | undefined,
): Promise<void> {
  if (
    record.status === 'failed' ||
    (record.status === 'unknown' && !record.batches.some((b) => b.messageId))
  ) {
    await tell(sendFailedText(record));
    return;
  }
  const receipt = renderReceipt(record);
  await tell(`${headline ?? 'Relayed to Fxiaoke.'} ${receipt.text}`, receipt.blocks);
}
