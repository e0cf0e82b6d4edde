/**
 * The confirmation asked when some recipients cannot be reached: nothing has been sent; the
 * sender may send to the others or cancel. The buttons carry the held relay's id, which the store
 * keeps, so a click works after a restart and on any replica.
 */
import type { types } from '@slack/bolt';
import type { HeldOutcome } from '../../relay/held.js';
import type { RecipientProblem } from '../../relay/recipients.js';
import type { RelayRecord } from '../../relay/types.js';
import { escapeMrkdwn, preview } from '../text/mrkdwn.js';
import { sendRefusalText } from './results.js';

export const SEND_REACHABLE_ACTION_ID = 'fx_send_reachable';
export const CANCEL_HELD_ACTION_ID = 'fx_cancel_held';

const MAX_LISTED = 10;

function people(count: number): string {
  return `${count} recipient${count === 1 ? '' : 's'}`;
}

export function unreachableLines(unreachable: readonly RecipientProblem[]): string {
  const lines = unreachable
    .slice(0, MAX_LISTED)
    .map((problem) => `• *${escapeMrkdwn(problem.input)}*: ${escapeMrkdwn(problem.reason)}`);
  if (unreachable.length > MAX_LISTED) lines.push(`…and ${unreachable.length - MAX_LISTED} more`);
  return lines.join('\n');
}

export function heldMessage(
  record: RelayRecord,
  unreachable: readonly RecipientProblem[],
): { text: string; blocks: types.KnownBlock[] } {
  const head = `:warning: *Nothing has been sent yet.* ${people(unreachable.length)} cannot be reached in Fxiaoke:`;
  const text = `Nothing has been sent yet: ${people(unreachable.length)} cannot be reached in Fxiaoke. Send to the other ${record.recipients.length}, or cancel.`;
  return heldQuestion(record, text, `${head}\n${unreachableLines(unreachable)}`);
}

/**
 * The same question rebuilt from the record alone, asked by another process after the one that
 * held the relay stopped before asking: the record's error names who cannot be reached.
 */
export function heldMessageFromRecord(record: RelayRecord): { text: string; blocks: types.KnownBlock[] } {
  const why = (record.error?.message ?? '').replace(/^Not sent: /, '');
  const text = `Nothing has been sent yet: some recipients cannot be reached in Fxiaoke. Send to the other ${record.recipients.length}, or cancel.`;
  return heldQuestion(record, text, `:warning: *Nothing has been sent yet:* ${escapeMrkdwn(why)}`);
}

function heldQuestion(
  record: RelayRecord,
  text: string,
  head: string,
): { text: string; blocks: types.KnownBlock[] } {
  const reachable = record.recipients.length;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Send this message to the other ${people(reachable)}?\n${preview(record.text, 200)}`,
        },
      },
      {
        type: 'actions',
        block_id: 'fx_held_actions',
        elements: [
          {
            type: 'button',
            action_id: SEND_REACHABLE_ACTION_ID,
            style: 'primary',
            text: { type: 'plain_text', text: `Send to the ${reachable} who can be reached` },
            value: record.id,
          },
          {
            type: 'button',
            action_id: CANCEL_HELD_ACTION_ID,
            text: { type: 'plain_text', text: 'Cancel' },
            value: record.id,
          },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Held as relay \`${record.id}\` (it shows in the App Home).` }],
      },
    ],
  };
}

/** Answers to a click that did not send anything new. */
export function heldOutcomeText(outcome: HeldOutcome): string {
  switch (outcome.type) {
    case 'not_found':
      return ':information_source: This confirmation is no longer valid (it may have been pruned). Nothing was sent; start again if needed.';
    case 'forbidden':
      return `:no_entry: Only <@${outcome.record.senderId}>, who asked for this relay, can confirm or cancel it.`;
    case 'refused':
      return sendRefusalText(outcome.refusal);
    case 'cancelled':
      return ':information_source: Cancelled. Nothing was sent to Fxiaoke.';
    case 'already_confirmed':
      return outcome.relay
        ? `:information_source: This was already sent as relay \`${outcome.relay.id}\` (status: ${outcome.relay.status}). It was not sent again.`
        : ':information_source: This was already confirmed. It was not sent again.';
  }
}
