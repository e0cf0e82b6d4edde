/**
 * `/fx-send <recipients> <message>`: record the request as typed, then ack (the ack is a promise),
 * then the relay runs in the work queue and answers through the response_url.
 */
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseFxSend, USAGE } from '../../../relay/grammar.js';
import { commandRequestKey } from '../../../relay/ids.js';
import { receiveRequest } from '../../../relay/intake.js';
import type { ListenerContext } from '../../context.js';
import { NOT_TAKEN_TEXT, respondAnswer, safely } from '../../jobs/answer.js';
import { mrkdwnToPlainText } from '../../mrkdwn.js';
import { duplicateText, sendRefusalText, usageText } from '../../replies.js';
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
        await receiveCommand(args, ctx, parsed.recipients, parsed.message);
    }
  });
}

async function receiveCommand(
  { command, ack, respond }: CommandArgs,
  ctx: ListenerContext,
  recipients: string[],
  message: string,
): Promise<void> {
  const received = await receiveRequest(ctx.relay, {
    requestKey: commandRequestKey(command.team_id, command.trigger_id),
    senderId: command.user_id,
    originChannelId: command.channel_id,
    recipientsInput: recipients,
    text: mrkdwnToPlainText(message),
    intake: {
      door: 'command',
      teamId: command.team_id,
      senderName: command.user_name,
      ...(command.channel_name === 'directmessage' ? {} : { channelName: command.channel_name }),
    },
  });
  // Only "not taken" rides on the ack itself; every other answer goes where it always went.
  if (received.type === 'unavailable') {
    await ack({ response_type: 'ephemeral', text: NOT_TAKEN_TEXT });
    return;
  }
  await ack();
  const answer = safely(respondAnswer(respond), ctx);
  switch (received.type) {
    case 'invalid_text':
      // Not a grammar mistake (too long): the usage would only bury the one thing to fix.
      await answer(`:warning: ${received.problem}`);
      return;
    case 'duplicate':
      await answer(duplicateText(received.record));
      return;
    case 'accepted':
      ctx.jobs.send(received.record, answer);
  }
}

async function openCompose({ command, client, respond }: CommandArgs, ctx: ListenerContext): Promise<void> {
  const answer = respondAnswer(respond);
  try {
    const refusal = await openComposeIfAdmitted(
      ctx,
      client,
      command.trigger_id,
      { teamId: command.team_id, channelId: command.channel_id, channelName: command.channel_name },
      command.user_id,
    );
    if (refusal) await answer(sendRefusalText(refusal));
  } catch (error) {
    ctx.logger.warn({ err: error }, 'compose modal could not be opened');
    await answer(usageText('The compose window could not be opened; you can also type it all in one line.'));
  }
}
