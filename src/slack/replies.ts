/** Every user-facing sentence about relay results, in one place. */
import { USAGE } from '../relay/grammar.js';
import type { RecipientProblem } from '../relay/recipients.js';
import type { RevokeOutcome } from '../relay/revoke.js';
import type { RelayError, RelayRecord } from '../relay/types.js';

export function describeError(error: RelayError): string {
  const details = [
    error.code !== undefined ? `errorCode ${error.code}` : undefined,
    error.traceId ? `traceId \`${error.traceId}\`` : 'no traceId (Fxiaoke did not answer)',
  ].filter(Boolean);
  return `${error.message} (${details.join(', ')})`;
}

export function recipientProblemsText(problems: readonly RecipientProblem[]): string {
  const lines = problems.map((problem) => `• \`${problem.input}\`: ${problem.reason}`);
  return `:warning: Nothing was sent. Some recipients could not be used:\n${lines.join('\n')}\n\n${USAGE}`;
}

export function usageText(problem: string): string {
  return `:warning: ${problem}\n\n${USAGE}`;
}

export function traceIdsOf(record: RelayRecord): string[] {
  return record.batches.map((batch) => batch.traceId).filter((id): id is string => Boolean(id));
}

/** Ephemeral answer to the sender when Fxiaoke accepted nothing. */
export function sendFailedText(record: RelayRecord): string {
  const error = record.error;
  const unknown = record.status === 'unknown';
  const head = unknown
    ? ':grey_question: Fxiaoke did not answer in time: the message *may or may not* have been delivered. It was not retried, so it cannot arrive twice.'
    : ':x: Fxiaoke did not accept the message; nothing was delivered.';
  return `${head}\n${error ? describeError(error) : ''}\nRelay \`${record.id}\`.`;
}

export function duplicateText(record: RelayRecord): string {
  return `:information_source: This request was already handled as relay \`${record.id}\` (status: ${record.status}). It was not sent again.`;
}

export function revokeOutcomeText(outcome: RevokeOutcome): string {
  switch (outcome.type) {
    case 'not_found':
      return ':information_source: This message was not relayed to Fxiaoke by fx-bridge, so there is nothing to revoke.';
    case 'forbidden':
      return `:no_entry: Only <@${outcome.record.senderId}> (who sent it) or an fx-bridge admin can revoke relay \`${outcome.record.id}\`.`;
    case 'already_revoked':
      return `:information_source: Relay \`${outcome.record.id}\` was already revoked${outcome.record.revokedBy ? ` by <@${outcome.record.revokedBy}>` : ''}.`;
    case 'in_progress':
      return `:hourglass_flowing_sand: Relay \`${outcome.record.id}\` is still being ${outcome.record.status === 'revoking' ? 'revoked' : 'sent'}; try again in a moment.`;
    case 'nothing_sent':
      return `:information_source: Relay \`${outcome.record.id}\` never reached Fxiaoke, so there is nothing to revoke.`;
    case 'not_revocable':
      return outcome.reason === 'no_service_account'
        ? `:information_source: Relay \`${outcome.record.id}\` cannot be revoked: it was sent without a Fxiaoke service account, and Fxiaoke only revokes service-account messages. (An admin can set FXIAOKE_SERVICE_ID for future relays.)`
        : `:information_source: Relay \`${outcome.record.id}\` cannot be revoked: Fxiaoke accepted it but returned no message id to revoke it by.`;
    case 'revoked': {
      const traces = outcome.record.batches.map((batch) => batch.revokeTraceId).filter(Boolean);
      return `:wastebasket: Revoked relay \`${outcome.record.id}\` from Fxiaoke (${outcome.record.recipients.length} recipient${outcome.record.recipients.length === 1 ? '' : 's'}). traceId ${traces.map((trace) => `\`${trace}\``).join(', ') || '—'}.`;
    }
    case 'revoke_failed': {
      const { record, error } = outcome;
      // Every Fxiaoke call succeeded; some batches only had nothing to revoke them by (revoke.ts
      // unrevocableParts). "Fxiaoke did not answer" would be wrong: show what was revoked instead.
      if (!error.traceId && (error.kind === 'outcome_unknown' || error.kind === 'no_message_id')) {
        const traces = record.batches.map((batch) => batch.revokeTraceId).filter(Boolean);
        return `:x: Relay \`${record.id}\` could not be fully revoked. ${error.message} (revoke traceId ${traces.map((trace) => `\`${trace}\``).join(', ') || '—'})`;
      }
      return `:x: Relay \`${record.id}\` could not be fully revoked. ${describeError(error)}`;
    }
  }
}
