/**
 * Carrying out a received send (the facade's carryOutSend) and saying what happened: one presenter for
 * every door — /fx-send, the compose window, a message's Send to Fxiaoke, a confirmed held relay —
 * live or after a takeover.
 */
import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { intakeOf } from '../../relay/carry-out.js';
import type { RelayObserver } from '../../relay/deps.js';
import { TakenOverError } from '../../relay/dispatch.js';
import { mayHaveReachedFxiaoke } from '../../relay/interrupted.js';
import { shownStatus } from '../../relay/lifecycle.js';
import type { SendOutcome } from '../../relay/send.js';
import type { RelayRecord } from '../../relay/types.js';
import type { ListenerContext } from '../context.js';
import { ReceiptTracker } from '../receipt/tracker.js';
import { renderReceipt } from '../receipt/view.js';
import { heldMessage, heldOutcomeText } from '../replies/held.js';
import { duplicateText, recipientProblemsText, sendFailedText, sendRefusalText } from '../replies/results.js';
import {
  routedFailureText,
  routedNotSentText,
  routedRecipientsText,
  routedRefusalText,
} from '../replies/routed.js';
import { type Answer, internalErrorText } from './answer.js';

export interface SendJobOptions {
  /** The held message, replaced in place (a confirmation): its answers go there. */
  heldAnswer?: Answer;
  /**
   * Told when the relay stopped on an error before any call: its sender hears it is carried on,
   * so this process takes it again once its lease lapses (relay/takeover.ts ownLeftBehind).
   */
  leftBehind?: (relayId: string) => void;
}

/** Whether a relay from this record posts a receipt: every door but a Slack message's own. */
export function postsReceipt(record: RelayRecord): boolean {
  return intakeOf(record).door !== 'message';
}

export function receiptTracker(
  client: webApi.WebClient,
  record: RelayRecord,
  answer: Answer,
  log?: Pick<Logger, 'warn'>,
): ReceiptTracker {
  const tracker = new ReceiptTracker({
    client,
    teamId: intakeOf(record).teamId,
    channelId: record.originChannelId,
    answer,
    ...(log ? { log } : {}),
  });
  // A receipt posted before a takeover is this relay's: later progress updates it.
  if (record.slack && postsReceipt(record)) tracker.posted = true;
  return tracker;
}

/**
 * The relay's observer: the receipt's, or only its "queued" line for a relay that posts none; a
 * routed channel's relay (relay/route.ts) says nothing while it goes.
 */
export function receiptObserver(record: RelayRecord, receipt: ReceiptTracker): RelayObserver {
  if (intakeOf(record).route) return {};
  const observer = receipt.observer();
  return postsReceipt(record) ? observer : { onQueued: observer.onQueued };
}

export async function runSendJob(
  ctx: ListenerContext,
  client: webApi.WebClient,
  received: RelayRecord,
  answer: Answer,
  options: SendJobOptions = {},
): Promise<void> {
  const receipt = receiptTracker(client, received, answer, ctx.logger);
  const observer = receiptObserver(received, receipt);
  try {
    if (intakeOf(received).confirmedBy && options.heldAnswer) {
      const heldAnswer = options.heldAnswer;
      const outcome = await ctx.relay.carryOutConfirmation(received, observer);
      if (outcome.type === 'finished') await presentFinished(outcome.record, receipt, heldAnswer, true);
      else await heldAnswer(heldOutcomeText(outcome));
    } else {
      const outcome = await ctx.relay.carryOutSend(received, observer);
      if (intakeOf(received).route) await presentRoutedOutcome(received, outcome, answer, receipt);
      else await presentSend(outcome, answer, receipt);
    }
  } catch (error) {
    // Another process took the relay over before a call went out here: it sends and answers.
    if (error instanceof TakenOverError) return;
    ctx.logger.error({ err: error, relayId: received.id, user: received.senderId }, 'relay failed');
    const mayHaveReached = mayHaveReachedFxiaoke(error);
    if (!mayHaveReached) options.leftBehind?.(received.id);
    await answer(internalErrorText(received.id, mayHaveReached));
  }
  // Told: the answer its final write recorded as owed is settled (relay/owed.ts).
  await ctx.relay.settleOwed(received.id);
}

/**
 * The one outcome → reply switch for sends, whichever door they came through. An outcome known at
 * the door (a duplicate, a text too long) comes without a receipt tracker.
 */
export async function presentSend(
  outcome: SendOutcome,
  answer: Answer,
  receipt?: ReceiptTracker,
): Promise<void> {
  switch (outcome.type) {
    case 'refused':
      return answer(sendRefusalText(outcome.refusal));
    case 'held': {
      const held = heldMessage(outcome.record, outcome.unreachable);
      return answer(held.text, held.blocks);
    }
    case 'invalid_recipients':
      return answer(recipientProblemsText(outcome.problems));
    case 'invalid_text':
      // Not a grammar mistake (too long): the usage would only bury the one thing to fix.
      return answer(`:warning: ${outcome.problem}`);
    case 'duplicate':
      return answer(duplicateText(outcome.record));
    case 'expired':
      return answer(`:x: ${outcome.record.error?.message ?? 'Not sent.'} (relay \`${outcome.record.id}\`)`);
    case 'finished':
      return presentFinished(outcome.record, receipt, answer, false);
  }
}

async function presentFinished(
  record: RelayRecord,
  receipt: ReceiptTracker | undefined,
  answer: Answer,
  confirmed: boolean,
): Promise<void> {
  if (intakeOf(record).route && !confirmed) return presentRouted(record, answer, receipt);
  // Without a tracker (nothing was posted for it) the relay is answered privately, receipt and all.
  if (receipt?.posted) {
    await receipt.update(record);
    if (confirmed) {
      await answer(`:white_check_mark: Sent as relay \`${record.id}\`; the receipt is in the channel.`);
    }
    return;
  }
  // A change of the Slack message recorded during the send may wait on it now: the send is what it was.
  const status = shownStatus(record);
  const failed = status === 'failed' || (status === 'unknown' && !record.batches.some((b) => b.messageId));
  if (failed) {
    await answer(sendFailedText(record));
    return;
  }
  const rendered = renderReceipt(record);
  await answer(`${headline(record, confirmed)} ${rendered.text}`, rendered.blocks as types.KnownBlock[]);
}

/**
 * A routed relay's outcome, about the message it is: a refusal, a route whose recipients cannot be
 * used, a message not relayed; a Slack retry of it (duplicate) says nothing. The rest as any send.
 */
async function presentRoutedOutcome(
  record: RelayRecord,
  outcome: SendOutcome,
  answer: Answer,
  receipt: ReceiptTracker,
): Promise<void> {
  switch (outcome.type) {
    case 'refused':
      return answer(routedRefusalText(record, outcome.refusal));
    case 'invalid_recipients':
      return answer(routedRecipientsText(record, outcome.problems));
    case 'invalid_text':
      return answer(routedNotSentText(record, outcome.problem));
    case 'duplicate':
      return;
    default:
      return presentSend(outcome, answer, receipt);
  }
}

/**
 * A routed relay: quiet when it reached everyone; otherwise its author (or whoever reacted) hears
 * privately what happened, with Fxiaoke's errorCode and traceId.
 */
async function presentRouted(
  record: RelayRecord,
  answer: Answer,
  receipt: ReceiptTracker | undefined,
): Promise<void> {
  if (record.status === 'sent') {
    await receipt?.markRouted(record);
    return;
  }
  const failed =
    record.status === 'failed' || (record.status === 'unknown' && !record.batches.some((b) => b.messageId));
  if (failed) {
    await answer(routedFailureText(record));
    return;
  }
  // Partly sent, or unknown for some batches: what reached whom, and Revoke where it can.
  const rendered = renderReceipt(record);
  await answer(
    `${routedFailureText(record).split('\n')[0]} ${rendered.text}`,
    rendered.blocks as types.KnownBlock[],
  );
}

/** What was relayed, for the private answer: "this message", "this message (a thread reply), again". */
function headline(record: RelayRecord, confirmed: boolean): string {
  const intake = intakeOf(record);
  if (confirmed || intake.door !== 'message') {
    return intake.door === 'command' && !confirmed
      ? 'The receipt could not be posted in this channel.'
      : 'Relayed to Fxiaoke.';
  }
  const thread = intake.threadReply ? ' (a thread reply)' : '';
  const again = intake.repeat ? ` again (send #${intake.repeat} of it)` : '';
  return `Relayed this message${thread} to Fxiaoke${again}.`;
}
