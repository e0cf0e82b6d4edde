/**
 * What an update sends (update.ts): the new version's content and its batches, built the way the
 * first send built them, so the recipients see the same kind of message, marked as edited.
 */
import { notForwardedNote, withImageMessages } from './attachments.js';
import { relayContent } from './card.js';
import { intakeOf } from './carry-out.js';
import type { RelayDeps } from './deps.js';
import { draftBatches } from './send.js';
import type { RelayBatch, RelayRecord } from './types.js';

/** What the recipients read after the new text, so nobody takes it for a new message. */
export const EDITED_MARK = ' (edited)';

/**
 * The new version's content, as the first send made it (relay/card.ts relayContent): a text relay
 * with the same attribution template, sender and channel, and the note of files not forwarded; a
 * card relay's body (its title and link stay in `card`, its files in the card's form row). Marked
 * as edited either way.
 */
export function updatedContent(deps: Pick<RelayDeps, 'settings'>, record: RelayRecord, text: string): string {
  const intake = intakeOf(record);
  const content = relayContent(deps.settings.messageTemplate, record.format, {
    senderName: intake.senderName,
    channelName: intake.channelName,
    text: `${text}${EDITED_MARK}`,
  });
  return record.format === 'card' ? content : content + notForwardedNote(record.attachments ?? []);
}

/**
 * The new version's batches: the same recipients, in the same groups, each text followed by the
 * images already uploaded for the relay (the revoke took the old image messages back too).
 */
export function nextBatches(deps: Pick<RelayDeps, 'newThirdTraceId'>, record: RelayRecord): RelayBatch[] {
  return withImageMessages(deps, record.attachments ?? [], draftBatches(deps, record.recipients));
}
