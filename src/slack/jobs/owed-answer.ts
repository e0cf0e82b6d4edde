/**
 * Telling a sender what a stopped process owed them (relay/owed.ts): the work ended and its
 * outcome is on record, but the process was killed before the sender heard it. This process holds
 * the owed answer now; it says what the live path would have said, where a takeover says it (the
 * channel the request came from, else a DM), then settles it.
 */
import type { webApi } from '@slack/bolt';
import { intakeOf } from '../../relay/carry-out.js';
import { assertNever } from '../../relay/lifecycle.js';
import { revokeOutcomeOf } from '../../relay/revoke.js';
import { responsibleFor } from '../../relay/route.js';
import type { RelayRecord } from '../../relay/types.js';
import { recordedUpdateOutcome } from '../../relay/update.js';
import type { ListenerContext } from '../context.js';
import { heldMessageFromRecord } from '../replies/held.js';
import { revokeOutcomeText } from '../replies/results.js';
import { updateOutcomeReply } from '../sync/replies.js';
import { answerByDm, answerInChannel, safely } from './answer.js';
import { notifyRecoveredRelays } from './notify-recovered.js';
import { refreshReceipt } from './revoke-job.js';
import { postsReceipt, presentSend, receiptTracker } from './send-job.js';
import { refreshReceiptAfterUpdate } from './sync-jobs.js';

export async function tellOwedAnswer(
  ctx: ListenerContext,
  client: webApi.WebClient,
  record: RelayRecord,
): Promise<void> {
  const owed = record.owed;
  if (!owed) return;
  const answer = safely(
    answerInChannel(client, ctx.logger, record.originChannelId, responsibleFor(record)),
    ctx.logger,
  );
  switch (owed.kind) {
    case 'recovered':
      await notifyRecoveredRelays(client, [record], ctx.logger);
      break;
    case 'held': {
      // Confirmed or cancelled meanwhile (from the App Home): the question is moot.
      if (record.status !== 'held') break;
      const held = heldMessageFromRecord(record);
      await answer(held.text, held.blocks);
      break;
    }
    case 'send':
      await tellSend(ctx, client, record, answer);
      break;
    case 'revoke': {
      // Whoever asked hears it by DM, as after any takeover of a revoke; the receipt follows.
      const outcome = revokeOutcomeOf(record);
      await refreshReceipt(ctx, client, outcome);
      await safely(answerByDm(client, owed.to ?? record.senderId), ctx.logger)(revokeOutcomeText(outcome));
      break;
    }
    case 'update': {
      // A newer update under way meanwhile answers for itself, with what it did.
      if (record.updateRequest) break;
      // Whoever asked hears it by DM, as the live path answers an update; the receipt follows.
      const outcome = recordedUpdateOutcome(record);
      await refreshReceiptAfterUpdate(client, ctx.logger, record);
      const { text, blocks } = updateOutcomeReply(outcome);
      await safely(answerByDm(client, owed.to ?? record.senderId), ctx.logger)(text, blocks);
      break;
    }
    default:
      assertNever(owed.kind);
  }
  await ctx.relay.settleOwed(record.id);
}

/** The outcome of a send: its receipt (posted now if it never was), or the private answer. */
async function tellSend(
  ctx: ListenerContext,
  client: webApi.WebClient,
  record: RelayRecord,
  answer: ReturnType<typeof safely>,
): Promise<void> {
  // Closed before any call (refused, invalid recipients, expired, a duplicate): the record says why.
  if (record.batches.length === 0) {
    await answer(`:x: ${record.error?.message ?? 'Not sent.'} (relay \`${record.id}\`)`);
    return;
  }
  const receipt = receiptTracker(client, record, answer, ctx.logger);
  let told = record;
  const accepted = record.batches.some((batch) => batch.status === 'sent');
  if (accepted && !receipt.posted && postsReceipt(record) && !intakeOf(record).route) {
    // The receipt is the answer, and the message Revoke works from: posted now, then keyed.
    try {
      const slack = await receipt.observer().onFirstAccepted?.(record);
      if (slack) told = await ctx.relay.keyReceipt(record.id, slack);
    } catch (error) {
      ctx.logger.warn({ relayId: record.id, err: error }, 'receipt of an owed answer could not be posted');
    }
  }
  await presentSend({ type: 'finished', record: told }, answer, receipt);
}
