/** Carrying out claimed revokes (relay/revoke.ts) and saying what happened, live or after a takeover. */
import type { webApi } from '@slack/bolt';
import { TakenOverError } from '../../relay/dispatch.js';
import { INTERNAL_ERROR_WHILE_REVOKING_TEXT } from '../../relay/error-text.js';
import type { RevokeOutcome } from '../../relay/revoke.js';
import type { RelayRecord } from '../../relay/types.js';
import type { ListenerContext } from '../context.js';
import { hasBotReceipt, updateReceipt } from '../receipt/post.js';
import { revokeOutcomeText } from '../replies/results.js';
import { unmarkRelayed } from '../routes/mark.js';
import type { Answer } from './answer.js';

export async function runRevokeJob(
  ctx: ListenerContext,
  client: webApi.WebClient,
  claimed: readonly RelayRecord[],
  answered: readonly RevokeOutcome[],
  answer: Answer | undefined,
): Promise<string> {
  const outcomes = [...answered];
  const told: string[] = [];
  for (const record of claimed) {
    try {
      const outcome = await ctx.relay.carryOutRevoke(record);
      outcomes.push(outcome);
      told.push(record.id);
      await refreshReceipt(ctx, client, outcome);
    } catch (error) {
      if (error instanceof TakenOverError) {
        // Another process took the relay over (this one's lease lapsed): it revokes and answers.
        ctx.logger.info({ relayId: record.id }, 'revoke taken over by another process');
        continue;
      }
      ctx.logger.error({ err: error, relayId: record.id }, 'revoke failed');
      outcomes.push({
        type: 'revoke_failed',
        record,
        error: {
          kind: 'internal',
          message: INTERNAL_ERROR_WHILE_REVOKING_TEXT,
        },
      });
    }
  }
  const text = outcomes.map(revokeOutcomeText).join('\n');
  if (answer && text) await answer(text);
  // Told (or, from the App Home, about to be: its caller shows the text): no longer owed (owed.ts).
  for (const relayId of told) await ctx.relay.settleOwed(relayId);
  return text;
}

/** The receipt (or a routed relay's mark) after a revoke: what it says must stay true. */
export async function refreshReceipt(ctx: ListenerContext, client: webApi.WebClient, outcome: RevokeOutcome) {
  // A routed relay's receipt is the mark on its message: taken off once it is revoked.
  if (outcome.type === 'revoked') await unmarkRelayed(client, outcome.record, ctx.logger);
  const changed = outcome.type === 'revoked' || outcome.type === 'revoke_failed';
  if (!changed || !hasBotReceipt(outcome.record)) return;
  try {
    await updateReceipt(client, outcome.record);
  } catch (error) {
    ctx.logger.warn({ err: error, relayId: outcome.record.id }, 'receipt could not be updated after revoke');
  }
}
