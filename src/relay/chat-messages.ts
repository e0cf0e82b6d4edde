/**
 * What relay/ may ask of the chat about a message and a channel after the ack (channel routes,
 * route.ts). No network code here; the Slack adapter is src/slack/api/messages.ts.
 */
import type { AttachmentRef } from './ports/files.js';

export interface ChatMessages {
  /** The message as it is now; undefined when it is gone (or the bot cannot see it). Throws on failure. */
  read(ref: { teamId: string; channelId: string; ts: string }): Promise<ChatMessage | undefined>;
  /** The channel's name for the attribution; undefined when it cannot be read. */
  channelName(channelId: string): Promise<string | undefined>;
}

export interface ChatMessage {
  /** Plain text as the compose window reads it, mentions named; the file names when there is none. */
  text: string;
  authorId: string | undefined;
  /** Posted by a bot or an app (fx-bridge's own included). */
  fromBot: boolean;
  threadReply: boolean;
  attachments: AttachmentRef[];
}
