/**
 * Links into Slack for card relays (relay/card.ts): `chat.getPermalink` for the relayed message
 * (no scope needed), Slack's `app_redirect` deep link for a channel, on the host the Web API runs
 * on (slack.com, GovSlack, or a test's fake).
 */
import type { webApi } from '@slack/bolt';
import { appRedirectLink, type SlackLinks } from '../../relay/card.js';
import { within } from '../jobs/within.js';

/** A card waits this long for its permalink before it links the channel instead. */
const PERMALINK_BUDGET_MS = 5_000;

export function slackLinks(client: webApi.WebClient): SlackLinks {
  const origin = new URL(client.slackApiUrl).origin;
  return {
    async permalink(ref) {
      const answer = await within(
        client.chat.getPermalink({ channel: ref.channelId, message_ts: ref.ts }),
        PERMALINK_BUDGET_MS,
      );
      return answer?.permalink;
    },
    channel: (teamId, channelId) => appRedirectLink(teamId, channelId, origin),
  };
}
