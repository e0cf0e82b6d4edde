/**
 * What became of a relay's files, in words: which images reached Fxiaoke and which files did not,
 * and why. Pure rendering from the relay record, for the receipt and the sender's private answer.
 */
import { forwardedImageIndexes } from '../../relay/attachments.js';
import { mayHaveBeenDelivered } from '../../relay/copies.js';
import type { RelayRecord } from '../../relay/types.js';
import { escapeMrkdwn } from '../text/mrkdwn.js';
import { describeError } from './results.js';

function code(name: string): string {
  return `\`${escapeMrkdwn(name.replace(/`/g, "'"))}\``;
}

/** One line per fact, mrkdwn; undefined for a relay without files. */
export function attachmentLines(record: RelayRecord): string[] | undefined {
  const attachments = record.attachments ?? [];
  if (attachments.length === 0) return undefined;
  const lines: string[] = [];
  const images = attachments.flatMap((attachment, index) =>
    attachment.status === 'uploaded' || attachment.status === 'failed' ? [{ attachment, index }] : [],
  );
  const messages = record.batches.flatMap((batch) => batch.extraMessages ?? []);
  if (attachments.some((attachment) => attachment.status === 'pending')) {
    lines.push(`:frame_with_picture: ${plural(attachments.length, 'file')} being prepared…`);
  } else if (messages.some((message) => message.status === 'pending')) {
    lines.push(':frame_with_picture: Images being sent after the text…');
  } else if (images.length > 0) {
    const forwarded = forwardedImageIndexes(record);
    const names = images
      .filter(({ index }) => forwarded.has(index))
      .map(({ attachment }) => code(attachment.name));
    const traces = messages.map((message) => message.traceId).filter((id): id is string => Boolean(id));
    lines.push(
      `:frame_with_picture: ${forwarded.size} of ${plural(images.length, 'image')} forwarded` +
        (names.length > 0 ? ` (${names.join(', ')})` : '') +
        (traces.length > 0 ? ` · traceId ${traces.map((id) => `\`${id}\``).join(', ')}` : ''),
    );
  }
  for (const attachment of attachments) {
    if (attachment.status === 'listed') {
      lines.push(
        `• ${code(attachment.name)} ${attachment.reason ?? 'is not an image'} and was listed by name.`,
      );
    } else if (attachment.status === 'failed') {
      const error = attachment.error?.traceId ? ` (traceId \`${attachment.error.traceId}\`)` : '';
      lines.push(
        `• ${code(attachment.name)} was not forwarded: ${escapeMrkdwn(attachment.reason ?? 'unknown reason')}${error}. It was listed by name.`,
      );
    }
  }
  const textSent = record.batches.filter((batch) => batch.status === 'sent' || batch.status === 'revoked');
  const missed = textSent.filter((batch) =>
    (batch.extraMessages ?? []).some(
      (message) => message.status === 'failed' || mayHaveBeenDelivered(message),
    ),
  );
  const firstError = missed
    .flatMap((batch) => batch.extraMessages ?? [])
    .find((message) => message.error)?.error;
  if (missed.length > 0 && firstError) {
    const recipients = missed.reduce((sum, batch) => sum + batch.recipients.length, 0);
    const whom =
      textSent.length === 1
        ? 'the recipients'
        : `${missed.length} of ${textSent.length} batches (${recipients} recipients)`;
    lines.push(`• The images did not reach ${whom}: ${escapeMrkdwn(describeError(firstError))}`);
  }
  return lines;
}

/** The same facts on one line, for notification text. */
export function attachmentSummary(record: RelayRecord): string | undefined {
  const lines = attachmentLines(record);
  if (!lines || lines.length === 0) return undefined;
  const parts = lines.map((line) => line.replace(/^(• |:frame_with_picture: )/, '').replace(/\.$/, ''));
  return `${parts.join('; ')}.`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
