/** What a card relay asks of the front door: a port the Slack adapter implements (slack/api/links.ts). */
import type { SlackMessageRef } from '../types.js';

/**
 * Links into Slack, implemented by the front door. `permalink` may fail or answer nothing (the
 * message was deleted, the app cannot see it); the card then links the channel.
 */
export interface SlackLinks {
  permalink(ref: SlackMessageRef): Promise<string | undefined>;
  /** A link that opens a channel; default Slack's `https://slack.com/app_redirect`. */
  channel?(teamId: string, channelId: string): string;
}
