/**
 * Submission of the compose modal. Problems the user can fix come back inline, including
 * recipients who cannot be reached (checked within a budget, since the ack has 3 s); then the
 * modal closes and the relay runs (compose-relay.ts).
 */
import type { App, SlackViewAction } from '@slack/bolt';
import { checkRecipients } from '../../../relay/check.js';
import { checkErrors, formErrors, readComposeForm, recipientInputs } from '../../compose-form.js';
import { COMPOSE_CALLBACK_ID } from '../../compose-modal.js';
import { relayFromModal } from '../../compose-relay.js';
import type { ListenerContext } from '../../context.js';
import { admitAtDoor, SUBMIT_ADMISSION_BUDGET_MS, submissionRefusal } from '../../send-admission.js';
import { within } from '../../within.js';

/**
 * How long the submission may look people up before it must ack. Past it the modal closes anyway
 * and the relay holds for confirmation if someone turns out unreachable.
 */
export const CHECK_BUDGET_MS = 1_500;

export function registerComposeSubmission(app: App, ctx: ListenerContext): void {
  app.view<SlackViewAction>(COMPOSE_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const form = readComposeForm(view);
    const errors = formErrors(form, ctx.relay.settings);
    const { metadata } = form;
    // Who may send comes before what is sent: a refused sender need not fix the form first.
    const started = Date.now();
    const admission = metadata
      ? await admitAtDoor(
          ctx,
          { userId: body.user.id, channelId: metadata.channelId },
          SUBMIT_ADMISSION_BUDGET_MS,
        )
      : undefined;
    if (admission?.decided && admission.refusal) {
      await ack(submissionRefusal(admission.refusal));
      return;
    }
    if (Object.keys(errors).length > 0 || !metadata) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const inputs = recipientInputs(form);
    // Together within the check's budget, so the ack stays as early as before.
    const budget = Math.max(CHECK_BUDGET_MS - (Date.now() - started), 300);
    const check = await within(checkRecipients(ctx.relay, inputs, ctx.profiles), budget);
    const found = check ? checkErrors(check, form) : {};
    if (Object.keys(found).length > 0) {
      await ack({ response_action: 'errors', errors: found });
      return;
    }
    await ack();
    await ctx.work.run(() =>
      relayFromModal(client, ctx, {
        userId: body.user.id,
        userName: body.user.name,
        viewId: view.id,
        metadata,
        recipients: inputs,
        text: form.text,
      }),
    );
  });
}
