/**
 * Submission of the compose modal. Mistakes that need no lookup come back inline at once; then the
 * request is recorded (relay/intake.ts) before anything slow runs; then, within a budget, who may
 * send and whether every recipient is known — a problem found in time goes back inline and the
 * recorded request is discarded; otherwise the modal closes and the relay runs in the work queue.
 */
import type { AllMiddlewareArgs, App, SlackViewAction, SlackViewMiddlewareArgs } from '@slack/bolt';
import { composeRequestKey, messageRequestKey, repeatRequestKey } from '../../../relay/ids.js';
import type { IntakeRequest } from '../../../relay/intake.js';
import type { SlackMessageRef } from '../../../relay/types.js';
import { admitAtDoor, SUBMIT_ADMISSION_BUDGET_MS, submissionRefusal } from '../../compose/admission.js';
import {
  type ComposeForm,
  checkErrors,
  formErrors,
  readComposeForm,
  recipientInputs,
} from '../../compose/form.js';
import { COMPOSE_CALLBACK_ID, type ComposeMetadata, MESSAGE_BLOCK } from '../../compose/modal.js';
import type { ListenerContext } from '../../context.js';
import { answerInChannel, notTakenText } from '../../jobs/answer.js';
import { within } from '../../jobs/within.js';

/**
 * How long the submission may look people up before it must ack. Past it the modal closes anyway
 * and the relay holds for confirmation if someone turns out unreachable.
 */
export const CHECK_BUDGET_MS = 1_500;

export type ViewArgs = SlackViewMiddlewareArgs<SlackViewAction> & AllMiddlewareArgs;

export function composeSubmission(ctx: ListenerContext) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const form = readComposeForm(view);
    const errors = formErrors(form, ctx.relay.settings);
    const { metadata } = form;
    if (Object.keys(errors).length > 0 || !metadata) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const started = Date.now();
    const userId = body.user.id;
    const received = await ctx.relay.receiveSend(intakeOfForm(form, metadata, view.id, body.user));
    const answer = answerInChannel(client, ctx.logger, metadata.channelId, userId);
    switch (received.type) {
      case 'invalid_text':
        await ack({ response_action: 'errors', errors: { [MESSAGE_BLOCK]: received.problem } });
        return;
      case 'unavailable':
        await ack({
          response_action: 'errors',
          errors: { [MESSAGE_BLOCK]: notTakenText() },
        });
        return;
      case 'duplicate':
        await ack();
        return ctx.jobs.send(received, answer);
      case 'accepted':
        break;
    }
    const { record } = received;
    // Who may send comes before what is sent: a refused sender need not fix the form first.
    const admission = await admitAtDoor(
      ctx,
      { userId, channelId: metadata.channelId },
      SUBMIT_ADMISSION_BUDGET_MS,
    );
    if (admission.decided && admission.refusal) {
      await ctx.relay.discardSend(record);
      await ack(submissionRefusal(admission.refusal));
      return;
    }
    const budget = Math.max(CHECK_BUDGET_MS - (Date.now() - started), 300);
    const check = await within(ctx.relay.checkRecipients(record.recipientsInput), budget);
    const found = check ? checkErrors(check, form) : {};
    if (Object.keys(found).length > 0) {
      await ctx.relay.discardSend(record);
      await ack({ response_action: 'errors', errors: found });
      return;
    }
    await ack();
    await ctx.jobs.send(received, answer);
  };
}

export function registerComposeSubmission(app: App, ctx: ListenerContext): void {
  app.view<SlackViewAction>(COMPOSE_CALLBACK_ID, composeSubmission(ctx));
}

function intakeOfForm(
  form: ComposeForm,
  metadata: ComposeMetadata,
  viewId: string,
  user: { id: string; name: string },
): IntakeRequest {
  const source: SlackMessageRef | undefined = metadata.messageTs
    ? { teamId: metadata.teamId, channelId: metadata.channelId, ts: metadata.messageTs }
    : undefined;
  const repeat = source && metadata.sendNumber !== undefined ? metadata.sendNumber : undefined;
  const requestKey = source
    ? repeat
      ? repeatRequestKey(source, repeat)
      : messageRequestKey(source)
    : composeRequestKey(metadata.teamId, viewId);
  return {
    requestKey,
    senderId: user.id,
    originChannelId: metadata.channelId,
    recipientsInput: recipientInputs(form),
    text: form.text,
    ...(metadata.files ? { attachments: metadata.files } : {}),
    ...(form.format === 'card' ? { format: 'card' as const } : {}),
    intake: {
      door: source ? ('message' as const) : ('compose' as const),
      teamId: metadata.teamId,
      senderName: user.name,
      ...(metadata.channelName !== undefined ? { channelName: metadata.channelName } : {}),
      ...(source ? { slack: source } : {}),
      ...(repeat ? { repeat } : {}),
      ...(metadata.threadTs !== undefined ? { threadReply: true } : {}),
    },
  };
}
