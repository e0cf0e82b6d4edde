/**
 * The App Home tab: the user's recent relays (everyone's for fx-bridge admins), each with its
 * time, a preview, the number of recipients, the status and the traceIds, and a Revoke button
 * where a revoke is possible and allowed. Pure rendering from relay records.
 */
import type { types } from '@slack/bolt';
import type { RelayRecord } from '../../relay/types.js';
import { isRevocable, revokeButton } from '../receipt/view.js';
import {
  departmentsText,
  formatLabel,
  recipientCount,
  routeLabel,
  slackDate,
  statusLabel,
  traceText,
} from '../replies/summary.js';
import { versionsText } from '../sync/replies.js';
import { escapeMrkdwn } from '../text/mrkdwn.js';

/** Relays listed; two blocks each keeps the view far below Slack's 100-block limit. */
export const HOME_LIMIT = 20;

export interface HomeOptions {
  userId: string;
  admin: boolean;
  /** One line at the top: what just happened (a revoke started from this tab). */
  notice?: string;
  /** Admins' Settings section and its recent changes (slack/settings/view.ts), above the relays. */
  settings?: types.KnownBlock[];
}

function oneLine(text: string, max = 150): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return escapeMrkdwn(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

function relayBlocks(record: RelayRecord, options: HomeOptions): types.KnownBlock[] {
  const from = options.admin ? ` · from <@${record.senderId}>` : '';
  const format = formatLabel(record);
  const routed = routeLabel(record);
  const head = `*${slackDate(record.createdAt)}* · ${statusLabel(record)} · ${recipientCount(record)}${format ? ` · ${format}` : ''}${routed ? ` · ${routed}` : ''}${from}`;
  const section: types.SectionBlock = {
    type: 'section',
    text: { type: 'mrkdwn', text: `${head}\n>${oneLine(record.text) || '(no text)'}` },
  };
  if (isRevocable(record) && (options.admin || record.senderId === options.userId)) {
    section.accessory = revokeButton(record);
  }
  const versions = versionsText(record);
  const departments = departmentsText(record);
  return [
    section,
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `${traceText(record)} · relay \`${record.id}\`` },
        ...(departments ? [{ type: 'mrkdwn' as const, text: escapeMrkdwn(departments).slice(0, 2900) }] : []),
        ...(versions ? [{ type: 'mrkdwn' as const, text: versions }] : []),
      ],
    },
  ];
}

export function homeView(records: readonly RelayRecord[], options: HomeOptions): types.HomeView {
  const title = options.admin ? 'Recent relays — everyone' : 'Your recent relays';
  const intro = options.admin
    ? 'You are an fx-bridge admin: you see and may revoke everyone’s relays.'
    : 'Messages you sent to Fxiaoke with /fx-send or the *Send to Fxiaoke* shortcut, and those of yours a channel route relayed.';
  const blocks: types.KnownBlock[] = [];
  if (options.notice) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: options.notice } });
  if (options.settings) blocks.push(...options.settings);
  blocks.push(
    { type: 'header', text: { type: 'plain_text', text: title } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: intro }] },
    { type: 'divider' },
  );
  if (records.length === 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'Nothing relayed yet. Type `/fx-send` in any channel, or pick *Send to Fxiaoke* from a message’s ⋯ menu.',
      },
    });
  }
  for (const record of records.slice(0, HOME_LIMIT)) blocks.push(...relayBlocks(record, options));
  return { type: 'home', blocks };
}
