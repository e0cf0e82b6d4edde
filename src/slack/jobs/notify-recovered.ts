/**
 * After a crash (or a replica that stopped answering), a takeover marks the calls of an interrupted relay that may have been delivered
 * (relay/copies.ts). Their senders saw a relay stop half-way (or never got an answer at all), so each is told in a direct message what is
 * known: which batches reached Fxiaoke (traceIds), which may or may not have, and that they can
 * revoke what was sent. Their receipt, if any, is brought up to date too.
 */
import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { mayHaveBeenDelivered, messagesOf, stillOut } from '../../relay/copies.js';
import { INTERRUPTED } from '../../relay/takeover.js';
import type { RelayBatch, RelayRecord, RelayVersion } from '../../relay/types.js';
import { hasBotReceipt, updateReceipt } from '../receipt/post.js';
import { isRevocable, renderReceipt } from '../receipt/view.js';
import { describeError } from '../replies/results.js';
import { escapeMrkdwn, preview } from '../text/mrkdwn.js';

type KnownBlock = types.KnownBlock;

export interface RecoveryNotice {
  text: string;
  blocks: KnownBlock[];
}

/**
 * What happened, in words true of both ways a relay is taken over: a process that restarted, and a
 * replica that stopped answering (its lease lapsed, say in a store outage) while it still ran.
 */
const INTERRUPTION =
  'It restarted, or the replica doing it stopped answering for a while and another one took the work over.';

function recipients(n: number): string {
  return `${n} recipient${n === 1 ? '' : 's'}`;
}

function count(batches: readonly RelayBatch[]): string {
  const total = batches.reduce((sum, batch) => sum + batch.recipients.length, 0);
  return `${batches.length} batch${batches.length === 1 ? '' : 'es'} (${recipients(total)})`;
}

function numbers(batches: readonly RelayBatch[]): string {
  return batches.map((batch) => `#${batch.index + 1}`).join(', ');
}

function traces(batches: readonly RelayBatch[]): string {
  const ids = batches.map((batch) => batch.traceId).filter((id): id is string => Boolean(id));
  return ids.length > 0 ? ` · traceId ${ids.map((id) => `\`${id}\``).join(', ')}` : '';
}

/** A send interrupted mid-way leaves batches recovery marked `interrupted`; a revoke leaves none. */
function wasSending(record: RelayRecord): boolean {
  return record.batches.some((batch) => batch.error?.kind === INTERRUPTED);
}

/**
 * The version an interrupted update replaced: its copies were revoked before the new text's
 * calls (only a relay being updated has earlier versions while it sends).
 */
function replacedVersion(record: RelayRecord): RelayVersion | undefined {
  return record.versions?.at(-1);
}

/** What became of the replaced version's copies: the sender must know the old text is gone. */
function replacedLine(version: RelayVersion): string {
  const kept = stillOut(version.batches);
  const head = `• :wastebasket: *Old text (version ${version.number}):*`;
  if (kept === 0) return `${head} revoked from Fxiaoke before the new text was sent.`;
  const revoked = version.batches.flatMap(messagesOf).filter((message) => message.status === 'revoked');
  const rest =
    revoked.length > 0 ? `; ${revoked.length} ${revoked.length === 1 ? 'was' : 'were'} revoked` : '';
  return `${head} ${kept} message${kept === 1 ? '' : 's'} of it could not be revoked and ${kept === 1 ? 'stays' : 'stay'} in Fxiaoke${rest}.`;
}

function sendLines(record: RelayRecord): string[] {
  const sent = record.batches.filter((batch) => batch.status === 'sent');
  const unknown = record.batches.filter(mayHaveBeenDelivered);
  const failed = record.batches.filter((batch) => batch.status === 'failed');
  const total = record.batches.length;
  const replaced = replacedVersion(record);
  const what = replaced
    ? `sending the new text of your edited message to Fxiaoke (relay \`${record.id}\`, version ${replaced.number + 1}`
    : `relaying your message to Fxiaoke (relay \`${record.id}\``;
  const lines = [
    `:warning: fx-bridge was interrupted while it was ${what}, ${recipients(record.recipients.length)} in ${total} batch${total === 1 ? '' : 'es'}). ${INTERRUPTION}`,
  ];
  if (replaced) lines.push(replacedLine(replaced));
  if (sent.length > 0) {
    lines.push(`• :white_check_mark: *Reached Fxiaoke:* ${count(sent)} ${numbers(sent)}${traces(sent)}`);
  }
  if (unknown.length > 0) {
    lines.push(
      `• :grey_question: *May or may not have arrived:* ${count(unknown)} ${numbers(unknown)}. They were not sent again, so nobody gets the message twice; Fxiaoke never confirmed them, so fx-bridge cannot revoke them if they did arrive.`,
    );
  }
  for (const batch of failed) {
    const why = batch.error ? `: ${escapeMrkdwn(describeError(batch.error))}` : '';
    lines.push(`• :x: *Not sent:* batch #${batch.index + 1} (${recipients(batch.recipients.length)})${why}`);
  }
  return lines;
}

function revokeLines(record: RelayRecord): string[] {
  const revoked = record.batches.filter((batch) => batch.status === 'revoked');
  const still = record.batches.filter((batch) => batch.status === 'sent');
  const lines = [
    `:warning: fx-bridge was interrupted while it was revoking relay \`${record.id}\` from Fxiaoke. ${INTERRUPTION}`,
    `• :wastebasket: *Revoked:* ${revoked.length > 0 ? count(revoked) : 'nothing yet'}`,
  ];
  if (still.length > 0) lines.push(`• :outbox_tray: *Still in Fxiaoke:* ${count(still)}${traces(still)}`);
  return lines;
}

function closingLine(record: RelayRecord): string | undefined {
  if (isRevocable(record)) {
    return 'If it should not have gone out, revoke what reached Fxiaoke with the button below.';
  }
  const confirmed = record.batches.some((batch) => batch.status === 'sent');
  if (!confirmed && record.batches.every((batch) => batch.status !== 'revoked')) {
    return 'Fxiaoke confirmed nothing, so there is nothing fx-bridge could revoke. Ask a recipient before sending it again.';
  }
  if (confirmed && !record.serviceId) {
    return 'It was sent without a Fxiaoke service account, so Fxiaoke does not allow revoking it.';
  }
  return undefined;
}

/** The notification text (what a phone shows): the counts only. */
function summary(record: RelayRecord): string {
  const total = record.batches.length;
  const counted = (status: RelayBatch['status']) =>
    record.batches.filter((batch) => batch.status === status).length;
  if (!wasSending(record))
    return `${counted('revoked')} of ${total} batches revoked, ${counted('sent')} still in Fxiaoke`;
  const unknown = record.batches.filter(mayHaveBeenDelivered).length;
  const replaced = replacedVersion(record);
  const old = !replaced
    ? ''
    : stillOut(replaced.batches) === 0
      ? `; the old text (version ${replaced.number}) was revoked first`
      : `; the old text (version ${replaced.number}) is partly still in Fxiaoke`;
  return `${counted('sent')} of ${total} batches reached Fxiaoke${unknown > 0 ? `, ${unknown} may or may not have` : ''}${old}`;
}

/** The direct message for one recovered relay (pure, so it is tested without Slack). */
export function renderRecoveryNotice(record: RelayRecord): RecoveryNotice {
  const lines = wasSending(record) ? sendLines(record) : revokeLines(record);
  const closing = closingLine(record);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    { type: 'section', text: { type: 'mrkdwn', text: preview(record.text) } },
  ];
  if (closing) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: closing }] });
  // The receipt's own Revoke button (same action_id and value), so one listener serves both.
  const actions = renderReceipt(record).blocks.find((block) => block.type === 'actions');
  if (actions) blocks.push(actions);
  const text = `fx-bridge was interrupted during relay ${record.id}: ${summary(record)}.`;
  return { text, blocks };
}

/**
 * Tells each sender, then refreshes each receipt. Every failure is logged and skipped: the relay
 * records are already correct, and a Slack hiccup must not stop the bridge from starting.
 */
export async function notifyRecoveredRelays(
  client: webApi.WebClient,
  records: readonly RelayRecord[],
  logger: Logger,
): Promise<void> {
  for (const record of records) {
    const notice = renderRecoveryNotice(record);
    try {
      // A user id as channel posts in the bot's DM with that user (its Messages tab).
      await client.chat.postMessage({
        channel: record.senderId,
        text: notice.text,
        blocks: notice.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      logger.info({ relayId: record.id, status: record.status }, 'told the sender about a recovered relay');
    } catch (error) {
      logger.warn({ relayId: record.id, err: error }, 'could not tell the sender about a recovered relay');
    }
    if (!hasBotReceipt(record)) continue;
    try {
      await updateReceipt(client, record);
    } catch (error) {
      logger.warn({ relayId: record.id, err: error }, 'could not update the receipt of a recovered relay');
    }
  }
}
