/** One-line descriptions of a relay, for the compose modal and App Home. Pure rendering. */
import { revokeMayHaveLanded } from '../../relay/copies.js';
import { departmentReach } from '../../relay/departments.js';
import { assertNever, isResting, type RestingStatus, shownStatus, workOf } from '../../relay/lifecycle.js';
import type { RelayRecord } from '../../relay/types.js';
import { traceIdsOf } from './results.js';

/** What the relay is doing (relay/lifecycle.ts), or what became of it, in a few words. */
export function statusLabel(record: RelayRecord): string {
  const work = workOf(record);
  switch (work.type) {
    case 'idle':
      return restingLabel(record, work.status);
    case 'intake':
      return ':inbox_tray: Received, not sent yet';
    case 'sending':
      return ':hourglass_flowing_sand: Sending…';
    case 'revoking':
      return ':hourglass_flowing_sand: Revoking…';
    case 'updating':
      return work.step === 'revoking_old'
        ? ':hourglass_flowing_sand: Updating…'
        : ':hourglass_flowing_sand: Sending…';
    case 'asking':
      return ':hourglass_flowing_sand: Asking the sender about a change in Slack…';
    case 'following':
      return ':pencil2: Edited in Slack: fx-bridge follows the edit once the message stops changing…';
    default:
      return assertNever(work);
  }
}

/**
 * What became of the relay's copies, in a few words, whatever waits on it: a relay asked about or
 * following a change of its Slack message reads as the status underneath (lifecycle.ts shownStatus).
 */
export function outcomeLabel(record: RelayRecord): string {
  const shown = shownStatus(record);
  return isResting(shown) ? restingLabel(record, shown) : statusLabel(record);
}

function restingLabel(record: RelayRecord, status: RestingStatus): string {
  switch (status) {
    case 'held':
      return ':pause_button: Held: some recipients cannot be reached; waiting for the sender';
    case 'confirmed':
      return ':pause_button: Held, then sent to the recipients who could be reached';
    case 'cancelled':
      return ':pause_button: Held, then cancelled: nothing was sent';
    case 'sent':
      if (revokeMayHaveLanded(record))
        return ':grey_question: Sent; a revoke may or may not have taken effect';
      return record.batches.some((batch) => batch.status === 'revoked')
        ? ':white_check_mark: Sent (partly revoked)'
        : ':white_check_mark: Sent';
    case 'partial':
      return ':warning: Partly sent';
    case 'failed':
      return ':x: Not sent';
    case 'unknown':
      return ':grey_question: Outcome unknown';
    case 'revoked':
      return record.sync?.deletedAt
        ? ':wastebasket: Revoked after its Slack message was deleted'
        : ':wastebasket: Revoked';
  }
}

/** Slack renders `<!date^…>` in the reader's own time zone; the fallback is UTC. */
export function slackDate(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  const fallback = `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

/** How the relay went out, when not as plain text: "as a card" (with what its link opens). */
export function formatLabel(record: RelayRecord): string | undefined {
  if (record.format !== 'card') return undefined;
  if (!record.card) return ':card_index: as a card';
  return record.card.linkTo === 'message'
    ? ':card_index: as a card linking to the Slack message'
    : ':card_index: as a card linking to the channel';
}

export function recipientCount(record: RelayRecord): string {
  const count = record.recipients.length;
  return `${count} recipient${count === 1 ? '' : 's'}`;
}

/**
 * How a routed relay came about (relay/route.ts): "routed from #sales", or "routed from #deals by
 * @ana's :outbox_tray:". Undefined for a relay someone sent by hand.
 */
export function routeLabel(record: RelayRecord): string | undefined {
  const route = record.intake?.route;
  if (!route) return undefined;
  const from = `:twisted_rightwards_arrows: routed from <#${record.originChannelId}>`;
  return route.reactorId ? `${from} by <@${route.reactorId}>’s reaction` : from;
}

/** "Sales East (dept 1002): 37 people · Ops (dept 1010): 4 people", or undefined when none was named. */
export function departmentsText(record: RelayRecord): string | undefined {
  const named = record.departments ?? [];
  return named.length > 0 ? named.map(departmentReach).join(' · ') : undefined;
}

export function traceText(record: RelayRecord): string {
  const ids = traceIdsOf(record);
  return ids.length > 0 ? `traceId ${ids.map((id) => `\`${id}\``).join(', ')}` : 'no traceId';
}

export function relaySummary(record: RelayRecord): string {
  return [
    slackDate(record.createdAt),
    statusLabel(record),
    recipientCount(record),
    ...(record.format === 'card' ? ['as a card'] : []),
    traceText(record),
    `relay \`${record.id}\``,
  ].join(' · ');
}
