/** Every user-facing sentence about relay results, in one place. */

import type { SendAccessPolicy } from '../../relay/access.js';
import type { SendRefusal } from '../../relay/admission.js';
import { EXPIRED } from '../../relay/carry-out.js';
import {
  MAY_HAVE_BEEN_DELIVERED,
  mayHaveBeenDelivered,
  messagesOf,
  revokeMayHaveLanded,
} from '../../relay/copies.js';
import { STOPPED_SEND_TEXT, STOPPING_KIND } from '../../relay/error-text.js';
import { USAGE } from '../../relay/grammar.js';
import { shownStatus } from '../../relay/lifecycle.js';
import type { RecipientProblem } from '../../relay/recipients.js';
import type { RevokeOutcome } from '../../relay/revoke.js';
import type { RelayError, RelayRecord } from '../../relay/types.js';

export function describeError(error: RelayError): string {
  const details = [
    error.code !== undefined ? `errorCode ${error.code}` : undefined,
    error.traceId ? `traceId \`${error.traceId}\`` : 'no traceId (Fxiaoke did not answer)',
  ].filter(Boolean);
  return `${error.message} (${details.join(', ')})`;
}

/** Problems listed one by one; the rest are counted, so the answer stays readable (and within Slack's size). */
const MAX_LISTED_PROBLEMS = 10;
/** Characters of a recipient quoted back; one pasted by mistake can be a whole page. */
const MAX_QUOTED_INPUT = 120;

function quoteInput(input: string): string {
  const chars = [...input.replaceAll('`', "'")];
  return chars.length > MAX_QUOTED_INPUT
    ? `${chars.slice(0, MAX_QUOTED_INPUT - 1).join('')}…`
    : chars.join('');
}

export function recipientProblemsText(problems: readonly RecipientProblem[]): string {
  const lines = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => `• \`${quoteInput(problem.input)}\`: ${problem.reason}`);
  if (problems.length > MAX_LISTED_PROBLEMS) lines.push(`…and ${problems.length - MAX_LISTED_PROBLEMS} more`);
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
  const status = shownStatus(record);
  // Given up at shutdown before any call went out (a failed relay has no call that may have landed).
  if (status === 'failed' && error?.kind === STOPPING_KIND) {
    return `${STOPPED_SEND_TEXT}\nRelay \`${record.id}\`.`;
  }
  // Not resumed after a restart, too late: fx-bridge never sent it (Fxiaoke refused nothing).
  if (status === 'failed' && error?.kind === EXPIRED) return `:x: ${error.message}\nRelay \`${record.id}\`.`;
  const unknown = status === MAY_HAVE_BEEN_DELIVERED;
  const head = unknown
    ? ':grey_question: Fxiaoke did not answer in time: the message *may or may not* have been delivered. It was not retried, so it cannot arrive twice.'
    : ':x: Fxiaoke did not accept the message; nothing was delivered.';
  // Without an answer the thirdTraceId we sent is the one handle Fxiaoke support can look up.
  const sentIds = unknown
    ? record.batches.filter(mayHaveBeenDelivered).map((batch) => `\`${batch.thirdTraceId}\``)
    : [];
  const trace = sentIds.length > 0 ? `\nthirdTraceId ${sentIds.join(', ')}.` : '';
  return `${head}\n${error ? describeError(error) : ''}${trace}\nRelay \`${record.id}\`.`;
}

export function duplicateText(record: RelayRecord): string {
  return `:information_source: This request was already handled as relay \`${record.id}\` (status: ${record.status}). It was not sent again.`;
}

export function revokeOutcomeText(outcome: RevokeOutcome): string {
  switch (outcome.type) {
    case 'not_found':
      return ':information_source: This message was not relayed to Fxiaoke by fx-bridge, so there is nothing to revoke.';
    case 'forbidden': {
      const reactor = outcome.record.intake?.route?.reactorId;
      const who = reactor
        ? `<@${outcome.record.senderId}> (who wrote it), <@${reactor}> (who relayed it)`
        : `<@${outcome.record.senderId}> (who sent it)`;
      return `:no_entry: Only ${who} or an fx-bridge admin can revoke relay \`${outcome.record.id}\`.`;
    }
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
      // Every Fxiaoke message of the relay: each batch's text and its image messages.
      const messages = outcome.record.batches.flatMap(messagesOf);
      const traces = messages.map((message) => message.revokeTraceId).filter(Boolean);
      const images = messages.length - outcome.record.batches.length;
      const main = outcome.record.format === 'card' ? 'the card' : 'the text';
      const withImages = images > 0 ? `; ${main} and ${images} image message${images === 1 ? '' : 's'}` : '';
      return `:wastebasket: Revoked relay \`${outcome.record.id}\` from Fxiaoke (${outcome.record.recipients.length} recipient${outcome.record.recipients.length === 1 ? '' : 's'}${withImages}). traceId ${traces.map((trace) => `\`${trace}\``).join(', ') || '—'}.`;
    }
    case 'revoke_failed': {
      const { record, error } = outcome;
      // Every Fxiaoke call succeeded; some batches only had nothing to revoke them by (revoke.ts
      // unrevocableParts). "Fxiaoke did not answer" would be wrong: show what was revoked instead.
      if (!error.traceId && (error.kind === 'outcome_unknown' || error.kind === 'no_message_id')) {
        const traces = record.batches
          .flatMap(messagesOf)
          .map((message) => message.revokeTraceId)
          .filter(Boolean);
        return `:x: Relay \`${record.id}\` could not be fully revoked. ${error.message} (revoke traceId ${traces.map((trace) => `\`${trace}\``).join(', ') || '—'})`;
      }
      // A revoke whose answer was lost may have landed: no later refusal makes "not revoked" true.
      if (revokeMayHaveLanded(record))
        return `:grey_question: Relay \`${record.id}\` may or may not have been revoked. ${describeError(error)}`;
      return `:x: Relay \`${record.id}\` could not be fully revoked. ${describeError(error)}`;
    }
  }
}

/** How many listed users or admins a refusal names before it says "and N others". */
const MAX_NAMED = 5;

/** `a`, `a or b`, `a, b or c` (Slack renders the `<@U…>`/`<!subteam^S…>`/`<#C…>` inside). */
function either(items: readonly string[], word = 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${word} ${items.at(-1)}`;
}

function named(ids: readonly string[], format: (id: string) => string): string[] {
  const shown = ids.slice(0, MAX_NAMED).map(format);
  if (ids.length > MAX_NAMED) shown.push(`${ids.length - MAX_NAMED} others`);
  return shown;
}

/** "<@U1>, <@U2> and members of <!subteam^S1>": who `access.send` lets send. */
function allowedSenders(policy: SendAccessPolicy): string {
  const people = named(policy.users, (id) => `<@${id}>`);
  const groups = policy.userGroups.map((id) => `<!subteam^${id}>`);
  const members = groups.length > 0 ? [`members of ${either(groups)}`] : [];
  return either([...people, ...members], 'and');
}

function askAnAdmin(admins: readonly string[], what: string): string {
  return admins.length > 0
    ? `Ask an fx-bridge admin (${either(named(admins, (id) => `<@${id}>`))}) ${what}.`
    : `Ask whoever runs fx-bridge ${what}.`;
}

function waitText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return `${seconds} s`;
}

/** The answer to a refused send (mrkdwn: ephemeral messages, the App Home, a modal's section). */
export function sendRefusalText(refusal: SendRefusal): string {
  switch (refusal.kind) {
    case 'not_allowed': {
      const { policy, admins } = refusal;
      const channels = either(policy.channels.map((id) => `<#${id}>`));
      const whoRule = policy.users.length + policy.userGroups.length > 0;
      if (refusal.reason === 'channel') {
        const who = whoRule ? ` Only ${allowedSenders(policy)} can send.` : '';
        return `:no_entry: Nothing was sent: fx-bridge relays to Fxiaoke only from ${channels}.${who} Send from there, or ${lowerFirst(askAnAdmin(admins, 'to add this conversation'))}`;
      }
      const where = policy.channels.length > 0 ? `, and only from ${channels}` : '';
      return `:no_entry: Nothing was sent: only ${allowedSenders(policy)} can send to Fxiaoke${where}. ${askAnAdmin(admins, 'for access')}`;
    }
    case 'group_lookup_failed':
      return ':warning: Nothing was sent: fx-bridge could not check your user group membership with Slack. Try again in a moment.';
    case 'rate_limited':
      return `:hourglass_flowing_sand: Nothing was sent: you have started ${rateText(refusal)}, the most fx-bridge allows per person. Try again in ${waitText(refusal.retryAfterMs)}.`;
  }
}

/**
 * The same as plain text, for an inline error in a modal (Slack shows it unformatted). Only the
 * refusals the sender can act on in the modal itself (wait, try again) are shown there.
 */
export function sendRefusalInline(
  refusal: SendRefusal & { kind: 'group_lookup_failed' | 'rate_limited' },
): string {
  return refusal.kind === 'rate_limited'
    ? `You have started ${rateText(refusal)}, the most fx-bridge allows per person. Wait ${waitText(refusal.retryAfterMs)} and press Send again.`
    : 'fx-bridge could not check your user group membership with Slack. Press Send again in a moment.';
}

function rateText(refusal: { limit: number; windowMs: number }): string {
  const relays = `${refusal.limit} relay${refusal.limit === 1 ? '' : 's'}`;
  const minutes = refusal.windowMs / 60_000;
  const window =
    minutes === 1
      ? 'minute'
      : Number.isInteger(minutes)
        ? `${minutes} minutes`
        : `${refusal.windowMs / 1000} s`;
  return `${relays} in the last ${window}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
