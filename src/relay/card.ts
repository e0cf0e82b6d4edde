/**
 * Card relays: the text goes out as a Fxiaoke composite message (a card) instead of a text
 * message. The card's head names the sender and the channel, its body is the relay's `content`
 * (the text as typed, without the attribution line the head already carries), and its link opens
 * the original Slack message (`chat.getPermalink`) — or, for a relay that has no Slack message
 * yet (the compose window opened by a bare /fx-send: its receipt is posted only after Fxiaoke
 * took the card), the channel it was sent from.
 *
 * Body shape, from the doc page "Send Compound Message" (developer.fxiaoke.com, Message API) and
 * the public clients that send `msgType: "composite"` (ZhangZihe/FxiaokeSDK.NET
 * `MessageSendRequest.MessageComposite`, chy1ee/fxiaoke `Composite`):
 * `composite: { head: {title}, first: {content}, form: [{label, value}], remark: {content},
 * link: {title, url} }`, with `head.title` and `link` required. Fxiaoke documents no length
 * limits for a card; the bridge's own are in fxiaoke/interface.ts (MAX_CARD_*).
 */

import { type AttributionContext, attribute } from './attribution.js';
import type { RelayDeps } from './deps.js';
import { type CompositeCard, MAX_CARD_FIELD, MAX_CARD_TEXT, MAX_CARD_TITLE } from './ports/fxiaoke.js';
import type { RelayCard, RelayFormat, RelayIntake, RelayRecord } from './types.js';

/** The card's link title. */
export const CARD_LINK_TITLE = 'Open in Slack';

export type { SlackLinks } from './ports/links.js';

/** Opens a channel in Slack (Slack's documented deep link for apps). */
export function appRedirectLink(teamId: string, channelId: string, origin = 'https://slack.com'): string {
  const query = new URLSearchParams({ ...(teamId ? { team: teamId } : {}), channel: channelId });
  return `${origin}/app_redirect?${query.toString()}`;
}

/** Why a text cannot go as a card (too long for one), or undefined. Never split: one card, one text. */
export function cardTextProblem(text: string): string | undefined {
  const length = [...text.trim()].length;
  if (length <= MAX_CARD_TEXT) return undefined;
  return `A card holds at most ${MAX_CARD_TEXT} characters and this message has ${length}. Send it as a text message, or shorten it.`;
}

/** "alice in #general (Slack)", cut to the card's title limit. */
export function cardTitle(senderName: string, channelName: string | undefined): string {
  const where = channelName ? `#${channelName}` : 'a direct message';
  return clip(`${senderName.trim() || 'Someone'} in ${where} (Slack)`, MAX_CARD_TITLE);
}

/**
 * What a relay sends as its body: the text under the attribution template, or — a card, whose
 * head already names sender and channel — the text alone. Every send of a relay's text uses it.
 */
export function relayContent(
  template: string,
  format: RelayFormat | undefined,
  context: AttributionContext,
): string {
  return format === 'card' ? context.text : attribute(template, context);
}

/** The fixed parts of a card relay's card: its title and where its link goes. */
export async function cardOf(
  deps: Pick<RelayDeps, 'log' | 'links'>,
  record: RelayRecord,
  intake: RelayIntake,
): Promise<RelayCard> {
  const links = deps.links;
  const title = cardTitle(intake.senderName, intake.channelName);
  const message = intake.slack;
  if (message && links) {
    try {
      const url = await links.permalink(message);
      if (url) return { title, url, linkTo: 'message' };
      deps.log.warn({ relayId: record.id }, 'Slack gave no permalink for the card; it links the channel');
    } catch (error) {
      deps.log.warn({ relayId: record.id, err: error }, 'no permalink for the card; it links the channel');
    }
  }
  const teamId = message?.teamId ?? intake.teamId;
  const channelId = message?.channelId ?? record.originChannelId;
  const url = links?.channel?.(teamId, channelId) ?? appRedirectLink(teamId, channelId);
  return { title, url, linkTo: 'channel' };
}

/**
 * The composite message of a card relay, built from its record each time it is sent (a resumed
 * batch, an update with a new text): head and link from `card`, the body from `content`, files the
 * recipients will not get as a form row, and a remark when images follow as their own messages.
 */
export function compositeOf(record: RelayRecord): CompositeCard {
  const card = record.card ?? {
    title: cardTitle(record.intake?.senderName ?? '', record.intake?.channelName),
    url: appRedirectLink(record.intake?.teamId ?? '', record.originChannelId),
    linkTo: 'channel' as const,
  };
  const attachments = record.attachments ?? [];
  const notForwarded = attachments
    .filter((attachment) => attachment.status === 'listed' || attachment.status === 'failed')
    .map((attachment) => attachment.name);
  const images = attachments.filter((attachment) => attachment.status === 'uploaded').length;
  return {
    head: { title: clip(card.title, MAX_CARD_TITLE) },
    first: { content: clip(record.content, MAX_CARD_TEXT) },
    ...(notForwarded.length > 0
      ? {
          form: [
            { label: 'Files in Slack, not forwarded', value: clip(notForwarded.join(', '), MAX_CARD_FIELD) },
          ],
        }
      : {}),
    ...(images > 0
      ? {
          remark: {
            content:
              images === 1
                ? 'The image follows as its own message.'
                : `${images} images follow as their own messages.`,
          },
        }
      : {}),
    link: { title: CARD_LINK_TITLE, url: card.url },
  };
}

/** Cut by characters (code points), as a reader counts them, with an ellipsis. */
function clip(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}
