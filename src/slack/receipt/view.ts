/**
 * The receipt: the public Slack message that says who sent what to how many people, with the
 * traceIds, the status and a Revoke button. Pure rendering from the relay record.
 */
import type { types } from '@slack/bolt';
import { messagesOf, REVOKE_UNCERTAIN, revokeMayHaveLanded } from '../../relay/copies.js';
import {
  assertNever,
  isResting,
  isRevocable,
  LIFECYCLE,
  type RestingStatus,
  shownStatus,
  workOf,
} from '../../relay/lifecycle.js';
import type { RelayRecord } from '../../relay/types.js';
import { attachmentLines, attachmentSummary } from '../replies/attachments.js';
import { describeError, traceIdsOf } from '../replies/results.js';
import { departmentsText, formatLabel, recipientCount } from '../replies/summary.js';
import { escapeMrkdwn, preview } from '../text/mrkdwn.js';

type KnownBlock = types.KnownBlock;

export const REVOKE_ACTION_ID = 'fx_revoke';

export interface Receipt {
  text: string;
  blocks: KnownBlock[];
}

function plural(count: number, word: string): string {
  if (count === 1) return `${count} ${word}`;
  return `${count} ${/(s|x|z|ch|sh)$/.test(word) ? `${word}es` : `${word}s`}`;
}

/**
 * A revoke went out but its answer was lost (relay/revoke.ts), and nothing settled it since: the
 * message may be gone or not. Later refusals do not make it certain; they are named after it.
 */
function revokeUncertainText(record: RelayRecord): string | undefined {
  if (!revokeMayHaveLanded(record)) return undefined;
  const refused = record.batches
    .flatMap(messagesOf)
    .find(
      (message) => message.revokeError?.kind === REVOKE_UNCERTAIN && message.revokeError.code !== undefined,
    );
  const later = refused?.revokeError?.code;
  return later === undefined
    ? 'a revoke may or may not have taken effect (Fxiaoke’s answer was lost): Revoke again to settle it'
    : `a revoke may or may not have taken effect (Fxiaoke’s answer was lost; it answered a later revoke with errorCode ${later})`;
}

/** What the relay is doing (relay/lifecycle.ts), or what became of it. */
function statusLine(record: RelayRecord): string {
  const work = workOf(record);
  switch (work.type) {
    case 'intake':
      return ':hourglass_flowing_sand: Received; checking the recipients…';
    case 'sending':
      return sendingLine(record);
    case 'revoking':
      return ':hourglass_flowing_sand: Revoking…';
    case 'updating':
      return work.step === 'revoking_old'
        ? ':hourglass_flowing_sand: Updating: taking back the old copy…'
        : sendingLine(record);
    // Asked about a change of the Slack message, or following one: the copies are as they were.
    case 'asking':
    case 'following':
    case 'idle': {
      const shown = shownStatus(record);
      return restingLine(record, isResting(shown) ? shown : 'sent');
    }
    default:
      return assertNever(work);
  }
}

function sendingLine(record: RelayRecord): string {
  const total = record.batches.length;
  const sent = record.batches.filter((batch) => batch.status === 'sent' || batch.status === 'revoked').length;
  return `:hourglass_flowing_sand: Sending… batch ${Math.min(sent + 1, total)} of ${total}`;
}

function restingLine(record: RelayRecord, status: RestingStatus): string {
  const total = record.batches.length;
  const sent = record.batches.filter((batch) => batch.status === 'sent' || batch.status === 'revoked').length;
  const uncertain = revokeUncertainText(record);
  switch (status) {
    case 'sent':
      if (uncertain) return `:grey_question: Sent; ${uncertain}`;
      return record.batches.some((batch) => batch.status === 'revoked')
        ? ':white_check_mark: Sent (partly revoked)'
        : ':white_check_mark: Sent';
    case 'partial':
      return `:warning: Partly sent: ${sent} of ${total} batches reached Fxiaoke${uncertain ? `; ${uncertain}` : ''}`;
    case 'failed':
    // A held relay posts no receipt; should one be drawn anyway, nothing was sent.
    case 'held':
    case 'cancelled':
    case 'confirmed':
      return ':x: Not sent';
    case 'unknown':
      return `:grey_question: Outcome unknown: Fxiaoke did not answer for some batches${uncertain ? `; ${uncertain}` : ''}`;
    case 'revoked':
      return `:wastebasket: Revoked${record.revokedBy ? ` by <@${record.revokedBy}>` : ''}${
        record.revokedAt
          ? ` <!date^${Math.floor(record.revokedAt / 1000)}^{date_short_pretty} {time}|just now>`
          : ''
      }`;
  }
}

function traceLine(record: RelayRecord): string {
  const ids = traceIdsOf(record);
  const noTrace = record.status === 'pending' ? 'no traceId yet' : 'no traceId';
  const sendPart = ids.length > 0 ? `traceId ${ids.map((id) => `\`${id}\``).join(', ')}` : noTrace;
  const revokeIds = record.batches
    .flatMap(messagesOf)
    .map((message) => message.revokeTraceId)
    .filter((id): id is string => Boolean(id));
  const revokePart =
    revokeIds.length > 0 ? ` · revoke traceId ${revokeIds.map((id) => `\`${id}\``).join(', ')}` : '';
  return `${sendPart}${revokePart} · relay \`${record.id}\``;
}

/** Why there is no Revoke button, when there is none (nothing to say for a relay at rest with nothing out). */
function revocabilityNote(record: RelayRecord): string | undefined {
  const shown = shownStatus(record);
  if (isResting(shown) && LIFECYCLE[shown].revoke !== 'revoke') return undefined;
  if (!record.serviceId) {
    return 'Sent without a Fxiaoke service account: Fxiaoke does not allow revoking it.';
  }
  const sent = record.batches.filter((batch) => batch.status === 'sent');
  if (sent.length > 0 && sent.every((batch) => !batch.messageId)) {
    return 'Fxiaoke returned no message id, so this message cannot be revoked.';
  }
  return undefined;
}

/** Whether the receipt, the Home and the notices offer Revoke: relay/revoke.ts decides. */
export { isRevocable };

/** `progressNote`: a passing line under the status, e.g. that the next batch is queued for the rate limit. */
/** The Revoke button (`fx_revoke`, value: the relay id), with Slack's confirmation dialog. */
/**
 * The relay a receipt's own Revoke button names, read from a message as Slack delivers it (a
 * message shortcut's `message.blocks`); undefined for any other message.
 */
export function relayIdOfReceipt(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as { type?: unknown; elements?: unknown }[]) {
    if (block?.type !== 'actions' || !Array.isArray(block.elements)) continue;
    for (const element of block.elements as { action_id?: unknown; value?: unknown }[]) {
      if (element?.action_id === REVOKE_ACTION_ID && typeof element.value === 'string') return element.value;
    }
  }
  return undefined;
}

export function revokeButton(record: RelayRecord): types.Button {
  return {
    type: 'button',
    action_id: REVOKE_ACTION_ID,
    style: 'danger',
    text: { type: 'plain_text', text: 'Revoke' },
    value: record.id,
    confirm: {
      title: { type: 'plain_text', text: 'Revoke from Fxiaoke?' },
      text: {
        type: 'plain_text',
        text: `This removes the message from ${recipientCount(record)} in Fxiaoke.`,
      },
      confirm: { type: 'plain_text', text: 'Revoke' },
      deny: { type: 'plain_text', text: 'Keep it' },
      style: 'danger',
    },
  };
}

export function renderReceipt(record: RelayRecord, progressNote?: string): Receipt {
  const recipients = recipientCount(record);
  const what = record.format === 'card' ? 'a card' : 'a message';
  const headline = `:outbox_tray: <@${record.senderId}> sent ${what} to Fxiaoke — ${recipients}`;
  const format = formatLabel(record);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: headline } }];
  const departments = departmentsText(record);
  if (departments) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `:busts_in_silhouette: ${escapeMrkdwn(departments).slice(0, 2900)}` },
      ],
    });
  }
  blocks.push(
    { type: 'section', text: { type: 'mrkdwn', text: preview(record.text) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${statusLine(record)}${format ? ` · ${format}` : ''} · ${traceLine(record)}`,
        },
      ],
    },
  );
  if (progressNote) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: progressNote }] });
  const failures = record.batches.filter((batch) => batch.error && batch.status !== 'sent');
  if (failures.length > 0 && record.status !== 'revoked') {
    const first = failures[0]?.error;
    if (first) {
      blocks.push({
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${plural(failures.length, 'batch')} failed: ${escapeMrkdwn(describeError(first))}`,
          },
        ],
      });
    }
  }
  const files = attachmentLines(record);
  if (files && files.length > 0)
    // A context element holds at most 3000 characters.
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: files.join('\n').slice(0, 2900) }] });
  const note = revocabilityNote(record);
  if (note)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:information_source: ${note}` }] });
  if (isRevocable(record)) {
    blocks.push({
      type: 'actions',
      block_id: 'fx_receipt_actions',
      elements: [revokeButton(record)],
    });
  }
  const traces = traceIdsOf(record).join(', ') || 'none';
  const filesText = attachmentSummary(record);
  const reach = departments ? ` (${departments})` : '';
  const text = `Sent to Fxiaoke${record.format === 'card' ? ' as a card' : ''} by <@${record.senderId}> — ${recipients}${reach}, status ${shownStatus(record)}, traceId ${traces}${filesText ? `. ${filesText}` : ''}`;
  return { text, blocks };
}
