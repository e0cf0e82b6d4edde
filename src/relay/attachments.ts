/**
 * Files of a relayed Slack message. Before the first text goes out, each file that may be an
 * image is downloaded (through `RelayDeps.files`, which the Slack side implements with the bot
 * token), checked by its bytes and uploaded to Fxiaoke once per relay; every other file, and every
 * image that could not be downloaded or uploaded, is named at the end of the text. After each
 * batch's text, its recipients get the images as `articles` messages (at most 7 images each).
 * A failure here never fails the text: it is recorded per file and per message and reported.
 */

import { failedCallStatus, failureOf, mayHaveBeenDelivered } from './copies.js';
import type { RelayDeps } from './deps.js';
import { dispatchHook, outcomeOf } from './dispatch.js';
import { INTERNAL_DOWNLOAD_REASON } from './error-text.js';
import { detectFile, type ImageFormat, mayBeImage } from './file-type.js';
import { fenced, holdsLease } from './lease.js';
import { persistently } from './persistently.js';
import type { AttachmentRef, FetchedFile } from './ports/files.js';
import {
  type Article,
  MAX_ARTICLE_TITLE,
  MAX_ARTICLES_PER_MESSAGE,
  type MediaFile,
} from './ports/fxiaoke.js';
import { whenReachable } from './reachable.js';
import type { RelayAttachment, RelayBatch, RelayError, RelayExtraMessage, RelayRecord } from './types.js';

export type { AttachmentFetcher, AttachmentRef, FetchedFile } from './ports/files.js';

/** What preparing the files takes: the Slack side's downloads, Fxiaoke's uploads, the store. */
export type AttachmentDeps = Pick<
  RelayDeps,
  'store' | 'fxiaoke' | 'files' | 'log' | 'writesAbandoned' | 'newThirdTraceId' | 'instanceId'
>;

/** The record's view of the files a request brings; undefined when there are none. */
export function pendingAttachments(
  refs: readonly AttachmentRef[] | undefined,
): RelayAttachment[] | undefined {
  if (!refs || refs.length === 0) return undefined;
  return refs.map((ref) => ({
    ...(ref.fileId ? { fileId: ref.fileId } : {}),
    name: ref.name,
    ...(ref.mimetype ? { mimetype: ref.mimetype } : {}),
    ...(ref.url ? { url: ref.url } : {}),
    status: 'pending' as const,
  }));
}

/**
 * Downloads, checks and uploads every pending attachment, names the rest in the content, and
 * gives each batch its pending articles messages (with their thirdTraceIds) — one store write.
 * A relay without pending attachments is returned as it is.
 */
/**
 * Each batch, followed by the `articles` messages that carry the uploaded images to the same
 * recipients (at most MAX_ARTICLES_PER_MESSAGE each); batches as they are when there are none.
 */
export function withImageMessages(
  deps: Pick<RelayDeps, 'newThirdTraceId'>,
  attachments: readonly RelayAttachment[],
  batches: readonly RelayBatch[],
): RelayBatch[] {
  const images = attachments.flatMap((attachment, index) =>
    attachment.status === 'uploaded' && attachment.mediaId ? [index] : [],
  );
  const groups: number[][] = [];
  for (let start = 0; start < images.length; start += MAX_ARTICLES_PER_MESSAGE)
    groups.push(images.slice(start, start + MAX_ARTICLES_PER_MESSAGE));
  if (groups.length === 0) return [...batches];
  return batches.map((batch) => ({
    ...batch,
    extraMessages: groups.map((group) => ({
      kind: 'articles' as const,
      attachments: group,
      status: 'pending' as const,
      thirdTraceId: deps.newThirdTraceId(),
    })),
  }));
}

export async function prepareAttachments(deps: AttachmentDeps, record: RelayRecord): Promise<RelayRecord> {
  if (!record.attachments?.some((attachment) => attachment.status === 'pending')) return record;
  const attachments = record.attachments.map((attachment) => ({ ...attachment }));
  for (const attachment of attachments) {
    if (attachment.status === 'pending')
      Object.assign(attachment, await prepareOne(deps, record, attachment));
  }
  const batches = withImageMessages(deps, attachments, record.batches);
  // A card names them in a row of its own (relay/card.ts), not in its text.
  const content = record.format === 'card' ? record.content : record.content + notForwardedNote(attachments);
  deps.log.info(
    {
      relayId: record.id,
      attachments: attachments.map(({ name, status }) => ({ name, status })),
    },
    'relay attachments prepared',
  );
  return fenced(deps, record.id, () =>
    persistently(deps, { relayId: record.id, attachments }, () =>
      deps.store.update(record.id, { attachments, batches, content }, (current) => holdsLease(deps, current)),
    ),
  );
}

async function prepareOne(
  deps: AttachmentDeps,
  record: RelayRecord,
  attachment: RelayAttachment,
): Promise<Partial<RelayAttachment>> {
  if (!mayBeImage(attachment.name, attachment.mimetype))
    return { status: 'listed', reason: 'is not an image' };
  if (!attachment.url) {
    return {
      status: 'failed',
      reason: 'Slack gave no download link for it (deleted, hidden or stored elsewhere)',
    };
  }
  const files = deps.files;
  if (!files) return { status: 'failed', reason: 'this fx-bridge cannot download files' };
  let fetched: FetchedFile;
  try {
    fetched = await files.fetch({ ...attachment, url: attachment.url });
  } catch (error) {
    deps.log.warn({ relayId: record.id, file: attachment.fileId, err: error }, 'file download failed');
    fetched = { ok: false, reason: INTERNAL_DOWNLOAD_REASON };
  }
  if (!fetched.ok) return { status: 'failed', reason: `the download failed: ${fetched.reason}` };
  const detected = detectFile(fetched.bytes, fetched.contentType);
  if (detected.kind === 'html') {
    deps.log.warn(
      { relayId: record.id, file: attachment.fileId },
      'Slack answered a file download with an HTML page (is the files:read scope granted?)',
    );
    return {
      status: 'failed',
      reason:
        'Slack sent a web page (its sign-in page) instead of the image; the app may lack the files:read scope',
    };
  }
  if (detected.kind === 'other') return { status: 'listed', reason: 'is not a PNG, JPEG, GIF or WebP image' };
  const file: MediaFile = {
    bytes: fetched.bytes,
    fileName: uploadName(attachment.name, detected.format),
    contentType: detected.mimetype,
  };
  try {
    const result = await deps.fxiaoke.uploadMedia(file, { thirdTraceId: deps.newThirdTraceId() });
    return {
      status: 'uploaded',
      mediaId: result.mediaId,
      ...(result.traceId ? { uploadTraceId: result.traceId } : {}),
    };
  } catch (cause) {
    const { error } = failureOf(deps.fxiaoke, cause);
    deps.log.warn({ relayId: record.id, file: attachment.fileId, err: cause }, 'Fxiaoke media upload failed');
    return { status: 'failed', reason: `Fxiaoke did not take the upload: ${error.message}`, error };
  }
}

/** The name Fxiaoke gets: Slack's, with the real format's extension when it has another. */
function uploadName(name: string, format: ImageFormat): string {
  const extension = format === 'jpeg' ? /\.jpe?g$/i : new RegExp(`\\.${format}$`, 'i');
  const base = name.trim() || 'image';
  return extension.test(base) ? base : `${base}.${format === 'jpeg' ? 'jpg' : format}`;
}

const MAX_NOTE_NAMES = 400;

/** What the recipients read after the text about files they will not get. */
export function notForwardedNote(attachments: readonly RelayAttachment[]): string {
  const names = attachments
    .filter((attachment) => attachment.status === 'listed' || attachment.status === 'failed')
    .map((attachment) => attachment.name);
  if (names.length === 0) return '';
  let shown = names.join(', ');
  if (shown.length > MAX_NOTE_NAMES) shown = `${[...shown].slice(0, MAX_NOTE_NAMES).join('')}…`;
  return `\n\n[Files in Slack, not forwarded: ${shown}]`;
}

/** Clipped by characters (code points), as a reader counts them, with an ellipsis. */
export function articleTitle(name: string): string {
  const chars = [...(name.trim() || 'Image')];
  return chars.length <= MAX_ARTICLE_TITLE
    ? chars.join('')
    : `${chars.slice(0, MAX_ARTICLE_TITLE - 1).join('')}…`;
}

export function articlesOf(record: RelayRecord, message: RelayExtraMessage): Article[] {
  return message.attachments.flatMap((index) => {
    const attachment = record.attachments?.[index];
    if (!attachment?.mediaId) return [];
    // Opened on its own, an image still says who sent it and what the text was (a card's content
    // is the bare text: its title, which names the sender, goes first).
    const content =
      record.format === 'card' && record.card ? `${record.card.title}\n${record.content}` : record.content;
    return [{ title: articleTitle(attachment.name), coverImage: attachment.mediaId, type: 'TEXT', content }];
  });
}

/** Shared across a relay's batches: a failure that is not about recipients stops later image sends. */
export interface ExtraSending {
  stop?: RelayError;
}

/**
 * Sends the pending extra messages of a batch whose text went out; otherwise marks them not
 * attempted. Updates the batch in place. `dispatch` records a message dispatched (send.ts), right
 * before its request leaves. Failures of the calls are recorded, never thrown; a dispatch mark
 * that could not be recorded is thrown, and that message was not sent.
 */
export async function sendExtraMessages(
  deps: Pick<RelayDeps, 'fxiaoke' | 'now' | 'log' | 'writesAbandoned'>,
  record: RelayRecord,
  batch: RelayBatch,
  sending: ExtraSending,
  dispatch: (message: RelayExtraMessage) => Promise<void>,
): Promise<void> {
  for (const message of batch.extraMessages ?? []) {
    if (message.status !== 'pending') continue;
    if (batch.status !== 'sent') {
      skip(message, {
        kind: 'not_attempted',
        message: mayHaveBeenDelivered(batch)
          ? 'Not sent: Fxiaoke never confirmed the text to these recipients, so the images were not sent either.'
          : 'Not sent: the text to these recipients did not go out, so the images were not sent either.',
      });
      continue;
    }
    if (sending.stop) {
      skip(message, {
        ...sending.stop,
        kind: 'not_attempted',
        message: `Not attempted: ${sending.stop.message}`,
      });
      continue;
    }
    const articles = articlesOf(record, message);
    try {
      const result = await whenReachable(deps, { relayId: record.id, batch: batch.index }, () =>
        deps.fxiaoke.sendArticles(batch.recipients, articles, {
          thirdTraceId: message.thirdTraceId,
          beforeDispatch: dispatchHook(() => dispatch(message)),
        }),
      );
      message.status = 'sent';
      message.traceId = result.traceId;
      message.thirdTraceId = result.thirdTraceId;
      message.messageId = result.messageId;
      message.sentAt = deps.now();
    } catch (thrown) {
      const cause = outcomeOf(thrown);
      const { error } = failureOf(deps.fxiaoke, cause);
      message.status = failedCallStatus(error);
      message.error = error;
      deps.log.warn({ relayId: record.id, batch: batch.index, err: cause }, 'Fxiaoke articles send failed');
      if (error.kind !== 'recipient') sending.stop = error;
    }
  }
}

/** Marks every pending extra message of a batch as not sent, for `cause`. */
export function skipExtraMessages(batch: RelayBatch, cause: RelayError): void {
  for (const message of batch.extraMessages ?? []) if (message.status === 'pending') skip(message, cause);
}

function skip(message: RelayExtraMessage, error: RelayError): void {
  message.status = 'failed';
  message.error = error;
}

export function hasPendingExtras(batch: RelayBatch): boolean {
  return (batch.extraMessages ?? []).some((message) => message.status === 'pending');
}

/** A batch copy whose extra messages can be changed without touching the original. */
export function copyBatch(batch: RelayBatch): RelayBatch {
  return batch.extraMessages
    ? { ...batch, extraMessages: batch.extraMessages.map((message) => ({ ...message })) }
    : { ...batch };
}

/** An image counts as forwarded once an articles message carrying it was accepted by Fxiaoke. */
export function forwardedImageIndexes(record: RelayRecord): Set<number> {
  const forwarded = new Set<number>();
  for (const batch of record.batches) {
    for (const message of batch.extraMessages ?? []) {
      if (message.status === 'sent' || message.status === 'revoked')
        for (const index of message.attachments) forwarded.add(index);
    }
  }
  return forwarded;
}
