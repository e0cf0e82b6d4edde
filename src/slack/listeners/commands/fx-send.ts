/**
 * `/fx-send <recipients> <message>`: record the request as typed, then ack (the ack is a promise),
 * then the relay runs in the work queue and answers through the response_url. `/fx-send help`
 * and a grammar mistake are answered on the ack; `/fx-send` alone opens the compose window.
 */
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { parseFxSend, USAGE } from '../../../relay/grammar.js';
import { commandRequestKey } from '../../../relay/ids.js';
import type { IntakeRequest } from '../../../relay/intake.js';
import { openComposeIfAdmitted } from '../../compose/admission.js';
import type { ListenerContext } from '../../context.js';
import { type Answer, answerByResponseUrl, answerInChannel, NOT_TAKEN_TEXT } from '../../jobs/answer.js';
import { sendRefusalText, usageText } from '../../replies/results.js';
import { mrkdwnToPlainText } from '../../text/mrkdwn.js';

export const FX_SEND_COMMAND = '/fx-send';

export type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function fxSendCommand(ctx: ListenerContext) {
  return async (args: CommandArgs): Promise<void> => {
    const parsed = parseFxSend(args.command.text);
    switch (parsed.kind) {
      case 'help':
        return args.ack({ response_type: 'ephemeral', text: USAGE });
      case 'usage':
        return args.ack({ response_type: 'ephemeral', text: usageText(parsed.problem) });
      case 'compose':
        await args.ack();
        return openCompose(args, ctx);
      case 'send': {
        const received = await ctx.relay.receiveSend(intakeOfCommand(args.command, parsed));
        // Only "not taken" rides on the ack itself; every other answer goes where it always went.
        if (received.type === 'unavailable')
          return args.ack({ response_type: 'ephemeral', text: NOT_TAKEN_TEXT });
        await args.ack();
        // The response_url goes along should a forked worker carry the send out (RELAY_WORKERS=fork).
        return ctx.jobs.send(received, answerToCommand(args, ctx), {
          responseUrl: { url: args.command.response_url, issuedAt: Date.now() },
        });
      }
    }
  };
}

export function registerFxSendCommand(app: App, ctx: ListenerContext): void {
  app.command(FX_SEND_COMMAND, fxSendCommand(ctx));
}

function intakeOfCommand(
  command: CommandArgs['command'],
  parsed: { recipients: string[]; message: string },
): IntakeRequest {
  return {
    requestKey: commandRequestKey(command.team_id, command.trigger_id),
    senderId: command.user_id,
    originChannelId: command.channel_id,
    recipientsInput: parsed.recipients,
    text: mrkdwnToPlainText(parsed.message),
    intake: {
      door: 'command',
      teamId: command.team_id,
      senderName: command.user_name,
      ...(command.channel_name === 'directmessage' ? {} : { channelName: command.channel_name }),
    },
  };
}

/** The command's response_url while Slack takes it; then an ephemeral in its channel, else a DM. */
function answerToCommand({ command, client, respond }: CommandArgs, ctx: ListenerContext): Answer {
  const fallback = answerInChannel(client, ctx.logger, command.channel_id, command.user_id);
  return answerByResponseUrl(respond, { fallback });
}

async function openCompose(args: CommandArgs, ctx: ListenerContext): Promise<void> {
  const { command, client } = args;
  const answer = answerToCommand(args, ctx);
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
