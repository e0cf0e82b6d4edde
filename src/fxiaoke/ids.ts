/**
 * Reading the ids Fxiaoke's answers carry where the docs say nothing (open points): the message id
 * of a service-account send and the mediaId of an upload, each at the top level or under `data`.
 */
import type { MediaIdSource, MessageIdSource } from './interface.js';
import {
  dataMediaIdSchema,
  dataMessageIdSchema,
  type Envelope,
  topMediaIdSchema,
  topMessageIdSchema,
} from './schemas.js';

/**
 * Finds the message id of a service-account send: top level or under `data`, string or number.
 * Numbers beyond 2^53 lose digits in JSON.parse, so long numeric ids are quoted in the raw text
 * before parsing. Each place is checked on its own, so an odd `data` cannot hide a good top-level id.
 */
export function extractMessageId(
  envelope: Envelope,
  rawBody: string,
): { messageId: string | undefined; messageIdSource: MessageIdSource } {
  let body: unknown = envelope;
  try {
    body = JSON.parse(rawBody.replace(/("messageId"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
  } catch {
    // The envelope already parsed; fall back to it.
  }
  const top = topMessageIdSchema.safeParse(body);
  const topId = top.success ? top.data.messageId : undefined;
  if (topId !== undefined && topId !== null && topId !== '')
    return { messageId: String(topId), messageIdSource: 'top' };
  const nested = dataMessageIdSchema.safeParse(body);
  const dataId = nested.success ? nested.data.data.messageId : undefined;
  if (dataId !== undefined && dataId !== null && dataId !== '')
    return { messageId: String(dataId), messageIdSource: 'data' };
  return { messageId: undefined, messageIdSource: 'none' };
}

/** The mediaId of an upload answer: top level or under `data`, string or number (an open point). */
export function extractMediaId(
  envelope: Envelope,
): { mediaId: string; mediaIdSource: MediaIdSource } | undefined {
  const top = topMediaIdSchema.safeParse(envelope);
  const topId = top.success ? top.data.mediaId : undefined;
  if (topId !== undefined && topId !== null && topId !== '')
    return { mediaId: String(topId), mediaIdSource: 'top' };
  const nested = dataMediaIdSchema.safeParse(envelope);
  const dataId = nested.success ? nested.data.data.mediaId : undefined;
  if (dataId !== undefined && dataId !== null && dataId !== '')
    return { mediaId: String(dataId), mediaIdSource: 'data' };
  return undefined;
}
