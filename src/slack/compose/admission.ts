/**
 * Admission at the front doors that open or submit the compose modal: the same check sendRelay
 * makes (relay/admission.ts), made earlier so a refused sender is told before a modal opens, or
 * inside the modal, instead of after filling it in. Slack's 3-second clocks come first: a check
 * that does not finish within its budget lets the modal open (or the submission close), and
 * sendRelay, which always checks, refuses then.
 */
import type { types, webApi } from '@slack/bolt';
import type { Sender, SendRefusal } from '../../relay/admission.js';
import { beforeDeadline } from '../../util/deadline.js';
import type { ListenerContext } from '../context.js';
import { sendRefusalInline, sendRefusalText } from '../replies/results.js';
import { MESSAGE_BLOCK } from './modal.js';
import { type ComposeSource, openComposeModal } from './open.js';

/**
 * How long opening the modal waits for the check. With openComposeModal's own 400 ms and
 * views.open itself, the trigger_id (valid 3 s) is still well in time.
 */
export const OPEN_ADMISSION_BUDGET_MS = 800;
/** How long a submission waits for it; the recipient check gets the rest of its budget. */
export const SUBMIT_ADMISSION_BUDGET_MS = 600;

export type DoorAdmission = { decided: true; refusal: SendRefusal | undefined } | { decided: false };

/** The admission within `budgetMs`; undecided when late or when it failed (sendRelay checks again). */
export async function admitAtDoor(
  ctx: ListenerContext,
  sender: Sender,
  budgetMs: number,
): Promise<DoorAdmission> {
  const decided = ctx.relay.admitSend(sender).then(
    (refusal): DoorAdmission => ({ decided: true, refusal }),
    (error: unknown): DoorAdmission => {
      ctx.logger.warn({ err: error, user: sender.userId }, 'send admission failed at the front door');
      return { decided: false };
    },
  );
  const outcome = await beforeDeadline(decided, budgetMs);
  return outcome.inTime ? outcome.value : { decided: false };
}

/**
 * Opens the compose modal unless the sender is refused; returns the refusal (nothing opened) for
 * the caller to answer with. Undecided in time: the modal opens, and the submission decides.
 */
export async function openComposeIfAdmitted(
  ctx: ListenerContext,
  client: webApi.WebClient,
  triggerId: string,
  source: ComposeSource,
  userId: string,
): Promise<SendRefusal | undefined> {
  const admission = await admitAtDoor(ctx, { userId, channelId: source.channelId }, OPEN_ADMISSION_BUDGET_MS);
  if (admission.decided && admission.refusal) return admission.refusal;
  await openComposeModal(ctx, client, triggerId, source);
  return undefined;
}

export type SubmissionRefusal =
  | { response_action: 'update'; view: types.ModalView }
  | { response_action: 'errors'; errors: Record<string, string> };

/**
 * How a refused submission is answered. Not allowed: the modal turns into the refusal (Slack
 * renders the people, group and channel it names only in mrkdwn, which inline errors are not).
 * Rate limit or a failed group lookup: an inline error, so the text stays for a second try.
 */
export function submissionRefusal(refusal: SendRefusal): SubmissionRefusal {
  if (refusal.kind === 'not_allowed') {
    return { response_action: 'update', view: refusalModal(sendRefusalText(refusal)) };
  }
  return { response_action: 'errors', errors: { [MESSAGE_BLOCK]: sendRefusalInline(refusal) } };
}

export const REFUSAL_CALLBACK_ID = 'fx_send_refused';

/** A modal that only says why nothing can be sent. */
export function refusalModal(text: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: REFUSAL_CALLBACK_ID,
    title: { type: 'plain_text', text: 'Send to Fxiaoke' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}
