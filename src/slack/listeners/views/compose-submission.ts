/**
 * Submission of the compose modal. Problems the user can fix come back inline; then the modal
 * closes and the relay runs. From a message shortcut the relay is keyed by that message, so
 * **Revoke from Fxiaoke** on it finds the relay; from `/fx-send` a receipt is posted.
 */
import type { App, SlackViewAction, types, webApi } from '@slack/bolt';
import { messageRequestKey } from '../../../relay/ids.js';
import { resolveRecipients } from '../../../relay/recipients.js';
import { sendRelay } from '../../../relay/send.js';
import type { RelayRecord, SlackMessageRef } from '../../../relay/types.js';
import {
  COMPOSE_CALLBACK_ID,
  type ComposeMetadata,
  MESSAGE_BLOCK,
  parseComposeMetadata,
  RECIPIENTS_BLOCK,
  splitRecipientField,
} from '../../compose-modal.js';
import type { ListenerContext } from '../../context.js';
import { renderReceipt } from '../../receipt.js';
import { duplicateText, recipientProblemsText, sendFailedText } from '../../replies.js';
import { postReceipt, updateReceipt } from '../../slack-io.js';

export function registerComposeSubmission(app: App, ctx: ListenerContext): void {
  app.view<SlackViewAction>(COMPOSE_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const settings = ctx.relay.settings;
    const metadata = parseComposeMetadata(view.private_metadata);
    const recipients = splitRecipientField(view.state.values[RECIPIENTS_BLOCK]?.[RECIPIENTS_BLOCK]?.value);
    const text = (view.state.values[MESSAGE_BLOCK]?.[MESSAGE_BLOCK]?.value ?? '').trim();
    const errors: Record<string, string> = {};
    if (recipients.length === 0) errors[RECIPIENTS_BLOCK] = 'Add at least one recipient.';
    else {
      const resolution = resolveRecipients(recipients, settings, settings.maxRecipients);
      if (!resolution.ok) {
        errors[RECIPIENTS_BLOCK] = resolution.problems
          .map((problem) => `${problem.input}: ${problem.reason}`)
          .join('; ')
          .slice(0, 1900);
      }
    }
    if (text === '') errors[MESSAGE_BLOCK] = 'The message is empty.';
    else if (text.length > settings.maxMessageLength) {
      errors[MESSAGE_BLOCK] =
        `The message is ${text.length} characters long; the limit is ${settings.maxMessageLength}.`;
    }
    if (!metadata) {
      errors[MESSAGE_BLOCK] = 'This window lost track of where it came from. Close it and start again.';
    }
    if (Object.keys(errors).length > 0 || !metadata) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    await ctx.work.run(() =>
      relayFromModal(client, ctx, body.user.id, body.user.name, view.id, metadata, recipients, text),
    );
  });
}

async function relayFromModal(
  client: webApi.WebClient,
  ctx: ListenerContext,
  userId: string,
  userName: string,
  viewId: string,
  metadata: ComposeMetadata,
  recipients: string[],
  text: string,
): Promise<void> {
  const source: SlackMessageRef | undefined = metadata.messageTs
    ? { teamId: metadata.teamId, channelId: metadata.channelId, ts: metadata.messageTs }
    : undefined;
  const tell = (message: string, blocks?: types.KnownBlock[]) =>
    tellUser(client, ctx, metadata.channelId, userId, message, blocks);
  let receiptPosted = false;
  try {
    const outcome = await sendRelay(
      ctx.relay,
      {
        requestKey: source ? messageRequestKey(source) : `compose:${metadata.teamId}:${viewId}`,
        senderId: userId,
        senderName: userName,
        originChannelId: metadata.channelId,
        channelName: undefined,
        recipientsInput: recipients,
        text,
        slack: source,
      },
      source
        ? {}
        : {
            onFirstAccepted: async (record) => {
              const ref = await postReceipt(client, record, metadata.teamId, metadata.channelId);
              receiptPosted = true;
              return ref;
            },
            onProgress: (record) => updateReceipt(client, record),
          },
    );
    if (outcome.type === 'duplicate') {
      await tell(duplicateText(outcome.record));
    } else if (outcome.type === 'invalid_recipients') {
      await tell(recipientProblemsText(outcome.problems));
    } else if (outcome.type === 'invalid_text') {
      await tell(`:warning: ${outcome.problem}`);
    } else if (receiptPosted) {
      await updateReceipt(client, outcome.record);
    } else {
      await answerPrivately(outcome.record, tell, source !== undefined && metadata.threadTs !== undefined);
    }
  } catch (error) {
    ctx.logger.error({ err: error, user: userId }, 'compose submission failed');
    await tell(
      ':x: fx-bridge hit an internal error while relaying this message. Check the app logs or ask an admin.',
    );
  }
}

async function answerPrivately(
  record: RelayRecord,
  tell: (message: string, blocks?: types.KnownBlock[]) => Promise<void>,
  fromThreadReply: boolean,
): Promise<void> {
  if (
    record.status === 'failed' ||
    (record.status === 'unknown' && !record.batches.some((b) => b.messageId))
  ) {
    await tell(sendFailedText(record));
    return;
  }
  const receipt = renderReceipt(record);
  const where = fromThreadReply ? ' (a thread reply)' : '';
  await tell(`Relayed this message${where} to Fxiaoke. ${receipt.text}`, receipt.blocks);
}

/** Ephemeral in the channel; a DM where the bot cannot post there. */
async function tellUser(
  client: webApi.WebClient,
  ctx: ListenerContext,
  channelId: string,
  userId: string,
  text: string,
  blocks?: types.KnownBlock[],
): Promise<void> {
  try {
    await client.chat.postEphemeral({
      channel: channelId,
      user: userId,
      text,
      ...(blocks ? { blocks } : {}),
    });
  } catch {
    try {
      await client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
    } catch (error) {
      ctx.logger.error({ err: error, user: userId }, 'could not tell the user about their relay');
    }
  }
}
