/**
 * Slack as a directory for the core: user profiles (users.info) and user-group members
 * (usergroups.users.list), cached. Built once in wiring, before the Bolt app, and handed to the
 * relay as dependencies (`profiles`, `groupMembers`, `links` in relay/deps.ts), so no call can forget them.
 * Their own Web API client has the app's settings (base URL, retries, timeout, token).
 */
import type { webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { GroupMembers } from '../../relay/access.js';
import type { SlackLinks } from '../../relay/card.js';
import type { ChatMessages } from '../../relay/chat-messages.js';
import { slackLinks } from './links.js';
import { SlackChatMessages } from './messages.js';
import { SlackProfileCache } from './profiles.js';
import { SlackUserGroups } from './user-groups.js';
import { slackWebClient } from './web-client.js';

export interface SlackLookups {
  profiles: SlackProfileCache;
  groupMembers: GroupMembers;
  /** chat.getPermalink and channel links, for card relays (`links` in relay/deps.ts). */
  links: SlackLinks;
  /** Messages and channel names, for channel routes (`messages` in relay/deps.ts). */
  messages: ChatMessages;
}

export function slackLookups(slack: Config['slack'], logger: Logger, cacheTtlMs: number): SlackLookups {
  return slackLookupsWith(slackWebClient(slack.botToken, slack.apiUrl, { logger }), logger, cacheTtlMs);
}

/** The same lookups over a client of one's own (install mode: a workspace's client). */
export function slackLookupsWith(client: webApi.WebClient, logger: Logger, cacheTtlMs: number): SlackLookups {
  const profiles = new SlackProfileCache(client, cacheTtlMs);
  return {
    profiles,
    groupMembers: new SlackUserGroups(client, logger, cacheTtlMs).members,
    links: slackLinks(client),
    messages: new SlackChatMessages(client, profiles, cacheTtlMs),
  };
}
