/**
 * Posting and updating receipts. chat.postMessage (not response_url) because a receipt must be
 * found again later: only chat.postMessage returns the message's channel and ts.
 */
import type { webApi } from '@slack/bolt';
import { sourceOf } from '../../relay/ids.js';
import type { RelayRecord, SlackMessageRef } from '../../relay/types.js';
import { isPlatformError } from '../errors.js';
import { renderReceipt } from './view.js';

type WebClient = webApi.WebClient;

/** Posts the receipt in the channel, or in a DM with the sender where the bot cannot post. */
export async function postReceipt(
  client: WebClient,
  record: RelayRecord,
  teamId: string,
  channelId: string,
): Promise<SlackMessageRef> {
  const { text, blocks } = renderReceipt(record);
  const post = async (channel: string) => {
    const result = await client.chat.postMessage({
      channel,
      text,
      blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!result.channel || !result.ts) throw new Error('chat.postMessage answered without channel and ts');
    return { teamId, channelId: result.channel, ts: result.ts };
  };
  try {
    return await post(channelId);
  } catch (error) {
    // Private channels the bot is not in, archived channels, DMs between other people: fall back.
    if (!isPlatformError(error) || channelId === record.senderId) throw error;
    return post(record.senderId);
  }
}

export async function updateReceipt(client: WebClient, record: RelayRecord): Promise<void> {
  if (!record.slack) return;
  const { text, blocks } = renderReceipt(record);
  await client.chat.update({ channel: record.slack.channelId, ts: record.slack.ts, text, blocks });
}

/**
 * Relays of an existing message (door `message`) are keyed by someone else's message; every
 * other relay is keyed by a receipt the bot posted and may edit.
 */
export function hasBotReceipt(record: RelayRecord): boolean {
  return sourceOf(record)?.door !== 'message' && record.slack !== undefined;
}
