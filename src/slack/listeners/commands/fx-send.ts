/** `/fx-send <recipients> <message>`: ack at once, then relay, then answer. */
import type { AllMiddlewareArgs, App, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseFxSend, USAGE } from '../../../relay/grammar.js';
import { commandRequestKey } from '../../../relay/ids.js';
import { sendRelay } from '../../../relay/send.js';
import type { ListenerContext } from '../../context.js';
import { heldMessage } from '../../held-replies.js';
import { refreshHome } from '../../home-publish.js';
import { mrkdwnToPlainText } from '../../mrkdwn.js';
import { renderReceipt } from '../../receipt.js';
import { ReceiptTracker } from '../../receipt-tracker.js';
import {
  duplicateText,
  recipientProblemsText,
  sendFailedText,
  sendRefusalText,
  usageText,
} from '../../replies.js';
import { openComposeIfAdmitted } from '../../send-admission.js';

export const FX_SEND_COMMAND = '/fx-send';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function registerFxSendCommand(app: App, ctx: ListenerContext): void {
  app.command(FX_SEND_COMMAND, async (args) => {
    const parsed = parseFxSend(args.command.text);
    switch (parsed.kind) {
      case 'help':
        await args.ack({ response_type: 'ephemeral', text: USAGE });
        return;
      case 'usage':
        await args.ack({ response_type: 'ephemeral', text: usageText(parsed.problem) });
        return;
      case 'compose':
        await args.ack();
        await openCompose(args, ctx);
        return;
      case 'send':
        await args.ack();
        await ctx.work.run(() => relayCommand(args, ctx, parsed.recipients, parsed.message));
    }
  });
}

async function relayCommand(
  { command, client, respond }: CommandArgs,
  ctx: ListenerContext,
  recipients: string[],
  message: string,
): Promise<void> {
  const teamId = command.team_id;
  const receipt = new ReceiptTracker({
    client,
    teamId,
    channelId: command.channel_id,
    tellSender: (text) => answer(respond, text),
  });
  try {
    const outcome = await sendRelay(
      ctx.relay,
      {
        requestKey: commandRequestKey(teamId, command.trigger_id),
        senderId: command.user_id,
        senderName: command.user_name,
        originChannelId: command.channel_id,
        channelName: command.channel_name === 'directmessage' ? undefined : command.channel_name,
        recipientsInput: recipients,
        text: mrkdwnToPlainText(message),
      },
      { ...receipt.hooks(), profiles: ctx.profiles, groupMembers: ctx.groupMembers },
    );
    switch (outcome.type) {
      case 'refused':
        await answer(respond, sendRefusalText(outcome.refusal));
        return;
      case 'held':
        await respond({ response_type: 'ephemeral', ...heldMessage(outcome.record, outcome.unreachable) });
        return;
      case 'invalid_recipients':
        await answer(respond, recipientProblemsText(outcome.problems));
        return;
      case 'invalid_text':
        // Not a grammar mistake (too long): the usage would only bury the one thing to fix.
        await answer(respond, `:warning: ${outcome.problem}`);
        return;
      case 'duplicate':
        await answer(respond, duplicateText(outcome.record));
        return;
      case 'finished': {
        const { record } = outcome;
        await receipt.update(record);
        if (!receipt.posted && (record.status === 'failed' || record.status === 'unknown')) {
          await answer(respond, sendFailedText(record));
        } else if (!receipt.posted) {
          // Fxiaoke has it but Slack would not take the receipt: the sender still gets the Revoke button.
          const rendered = renderReceipt(record);
          await respond({
            response_type: 'ephemeral',
            text: `The receipt could not be posted in this channel. ${rendered.text}`,
            blocks: rendered.blocks,
          });
        }
      }
    }
  } catch (error) {
    ctx.logger.error({ err: error, user: command.user_id, channel: command.channel_id }, '/fx-send failed');
    await answer(
      respond,
      ':x: fx-bridge hit an internal error while relaying this message. Nothing more will be sent for it; check the app logs or ask an admin.',
    );
  } finally {
    await refreshHome(ctx, client, command.user_id);
  }
}

async function openCompose({ command, client, respond }: CommandArgs, ctx: ListenerContext): Promise<void> {
  try {
    const refusal = await openComposeIfAdmitted(
      ctx,
      client,
      command.trigger_id,
      { teamId: command.team_id, channelId: command.channel_id },
      command.user_id,
    );
    if (refusal) await answer(respond, sendRefusalText(refusal));
  } catch (error) {
    ctx.logger.warn({ err: error }, 'compose modal could not be opened');
    await answer(
      respond,
      usageText('The compose window could not be opened; you can also type it all in one line.'),
    );
  }
}

async function answer(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', text });
}
