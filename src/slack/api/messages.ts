/**
 * Messages and channel names read from Slack after the ack, for channel routes (relay/route.ts
 * `ChatMessages`). A reaction event carries no text: the message is read with
 * `conversations.history` (`latest=ts`, `inclusive`, `limit=1`), or `conversations.replies` when it
 * is a thread reply (history lists top-level messages only) — both need the `*:history` scopes the
 * app already has for edits. Channel names (`conversations.info`, `channels:read`/`groups:read`)
 * are cached; without the scope the attribution names the channel by its id.
 */
import type { webApi } from '@slack/bolt';
import type { ChatMessage, ChatMessages } from '../../relay/chat-messages.js';
import { TtlCache } from '../../util/ttl-cache.js';
import { within } from '../jobs/within.js';
import { mentionedUserIds, messageToPlainText, type SlackMessageLike } from '../text/message-text.js';
import { messageFiles } from './files.js';
import type { SlackProfileCache } from './profiles.js';

/** How long a read waits for the names of the people mentioned before it writes their ids. */
const NAMES_BUDGET_MS = 3_000;

type SlackMessage = SlackMessageLike & {
  ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  thread_ts?: string;
  files?: unknown;
};

export class SlackChatMessages implements ChatMessages {
  readonly #client: webApi.WebClient;
  readonly #profiles: SlackProfileCache;
  readonly #channels: TtlCache<string, string | undefined>;

  constructor(client: webApi.WebClient, profiles: SlackProfileCache, ttlMs: number) {
    this.#client = client;
    this.#profiles = profiles;
    this.#channels = new TtlCache({ ttlMs, maxEntries: 1_000 });
  }

  async read(ref: { channelId: string; ts: string }): Promise<ChatMessage | undefined> {
    const message = (await this.#fromHistory(ref)) ?? (await this.#fromReplies(ref));
    if (!message) return undefined;
    const ids = mentionedUserIds(message);
    await within(
      Promise.all(ids.map((id) => this.#profiles.nameOf(id).catch(() => undefined))),
      NAMES_BUDGET_MS,
    );
    const attachments = messageFiles(message);
    let text = messageToPlainText(message, { user: (id) => this.#profiles.cachedName(id) }).trim();
    if (!text && attachments.length > 0) text = attachments.map((file) => file.name).join('\n');
    return {
      text,
      authorId: message.user,
      fromBot: message.bot_id !== undefined || message.subtype === 'bot_message' || !message.user,
      threadReply: message.thread_ts !== undefined && message.thread_ts !== message.ts,
      attachments,
    };
  }

  /** Undefined (and remembered for the TTL, so a missing scope costs one call) when Slack will not say. */
  async channelName(channelId: string): Promise<string | undefined> {
    return this.#channels.get(channelId, async (id) => {
      const answer = await this.#client.conversations.info({ channel: id }).catch(() => undefined);
      return answer?.channel?.name;
    });
  }

  async #fromHistory(ref: { channelId: string; ts: string }): Promise<SlackMessage | undefined> {
    const answer = await this.#client.conversations.history({
      channel: ref.channelId,
      latest: ref.ts,
      oldest: ref.ts,
      inclusive: true,
      limit: 1,
    });
    return (answer.messages as SlackMessage[] | undefined)?.find((message) => message.ts === ref.ts);
  }

  /** A thread reply: `replies` of it lists its thread's parent first, so the ts picks it out. */
  async #fromReplies(ref: { channelId: string; ts: string }): Promise<SlackMessage | undefined> {
    const answer = await this.#client.conversations
      .replies({ channel: ref.channelId, ts: ref.ts, latest: ref.ts, inclusive: true, limit: 1 })
      .catch((error: unknown) => {
        // Not a message of this channel (any more): Slack says thread_not_found.
        if ((error as { data?: { error?: unknown } }).data?.error === 'thread_not_found') return undefined;
        throw error;
      });
    return (answer?.messages as SlackMessage[] | undefined)?.find((message) => message.ts === ref.ts);
  }
}
