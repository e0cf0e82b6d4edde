/**
 * Whole Slack messages → relayed text. The shapes are those Slack sends in `message_action`
 * payloads: a person's message (text plus the rich_text block the composer produced), an app's
 * block-only message, and a legacy attachment message.
 */
import { describe, expect, it } from 'vitest';
import {
  mentionedUserIds,
  messageToPlainText,
  type SlackMessageLike,
} from '../../../src/slack/text/message-text.js';

const names = { user: (id: string) => ({ U0ALICE: 'Alice Wang', U0BOB: 'bob' })[id] };

const section = (...elements: unknown[]) => ({ type: 'rich_text_section', elements });
const text = (value: string, style?: Record<string, boolean>) => ({
  type: 'text',
  text: value,
  ...(style ? { style } : {}),
});

const cases: [string, SlackMessageLike, string][] = [
  [
    'text wins when present (a person’s message carries both)',
    {
      text: 'Hi <@U0ALICE>, *see* <https://ex.com|the deck> :tada:',
      blocks: [{ type: 'rich_text', elements: [section(text('ignored'))] }],
    },
    'Hi @Alice Wang, see the deck (https://ex.com) 🎉',
  ],
  [
    'rich_text: styles dropped, links, mentions, emoji by unicode and by name',
    {
      text: '',
      blocks: [
        {
          type: 'rich_text',
          block_id: 'abc',
          elements: [
            section(
              text('Price '),
              text('is final', { bold: true }),
              text(' & '),
              text('x<y', { code: true }),
              text(', ask '),
              { type: 'user', user_id: 'U0BOB' },
              text(' or '),
              { type: 'user', user_id: 'U0UNKNOWN' },
              text(' in '),
              { type: 'channel', channel_id: 'C0SALES' },
              text(' '),
              { type: 'emoji', name: 'thumbsup', unicode: '1f44d-1f3fd', skin_tone: 4 },
              { type: 'emoji', name: 'rocket' },
              { type: 'emoji', name: 'partyparrot' },
              text(' '),
              { type: 'link', url: 'https://ex.com/q', text: 'quote' },
              text(' '),
              { type: 'link', url: 'https://ex.com/raw' },
              text(' '),
              { type: 'broadcast', range: 'here' },
              text(' '),
              { type: 'usergroup', usergroup_id: 'S0TEAM' },
              text(' due '),
              { type: 'date', timestamp: 1700000000, format: '{date_short}', fallback: 'Nov 14, 2023' },
            ),
          ],
        },
      ],
    },
    'Price is final & x<y, ask @bob or @U0UNKNOWN in #channel 👍🏽🚀:partyparrot: quote (https://ex.com/q) https://ex.com/raw @here @group due Nov 14, 2023',
  ],
  [
    'rich_text: paragraphs, bullet and ordered lists with indent, a quote and a code block',
    {
      blocks: [
        {
          type: 'rich_text',
          elements: [
            section(text('Agenda:\n')),
            {
              type: 'rich_text_list',
              style: 'bullet',
              indent: 0,
              elements: [section(text('pricing')), section(text('dates'))],
            },
            {
              type: 'rich_text_list',
              style: 'ordered',
              indent: 1,
              offset: 2,
              elements: [section(text('Q3')), section(text('Q4'))],
            },
            { type: 'rich_text_quote', elements: [text('quoted line one\nline two')] },
            { type: 'rich_text_preformatted', elements: [text('npm ci\nnpm test')] },
            section(text('\nThanks!')),
          ],
        },
      ],
    },
    'Agenda:\n• pricing\n• dates\n  3. Q3\n  4. Q4\n> quoted line one\n> line two\nnpm ci\nnpm test\n\nThanks!',
  ],
  [
    'app message: header, section with mrkdwn and fields, context; images and actions skipped',
    {
      text: '',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Deal won 🎉' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*ACME* signed &amp; paid, owner <@U0ALICE>' },
          fields: [
            { type: 'mrkdwn', text: '*Amount*\n¥120,000' },
            { type: 'plain_text', text: 'Stage: *closed*' },
          ],
        },
        { type: 'image', image_url: 'https://ex.com/a.png', alt_text: 'chart' },
        { type: 'divider' },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' } }] },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'via _CRM bot_' },
            { type: 'image', image_url: 'https://ex.com/i.png', alt_text: 'logo' },
            { type: 'plain_text', text: 'today' },
          ],
        },
      ],
    },
    'Deal won 🎉\nACME signed & paid, owner @Alice Wang\nAmount\n¥120,000\nStage: *closed*\nvia CRM bot today',
  ],
  [
    'legacy attachments when there is no text and no readable block',
    {
      text: '',
      attachments: [
        {
          fallback: 'New ticket #42',
          pretext: 'Support queue',
          title: 'Ticket #42',
          title_link: 'https://help.ex.com/42',
          text: 'Printer *on fire*',
          fields: [{ title: 'Priority', value: 'High', short: true }],
        },
        { fallback: 'Only a fallback' },
      ],
    },
    'Support queue\nTicket #42 (https://help.ex.com/42)\nPrinter on fire\nPriority: High\nOnly a fallback',
  ],
  ['nothing readable at all', { blocks: [{ type: 'divider' }] }, ''],
  [
    'whitespace-only text falls through to blocks',
    { text: '  ', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Hi' } }] },
    'Hi',
  ],
  [
    'odd shapes are ignored, not thrown on',
    { blocks: [null, 'x', { type: 'rich_text', elements: 'nope' }, 7] as unknown[] },
    '',
  ],
];

describe('messageToPlainText', () => {
  for (const [name, message, expected] of cases) {
    it(name, () => {
      expect(messageToPlainText(message, names)).toBe(expected);
    });
  }
});

describe('mentionedUserIds', () => {
  it('finds users mentioned without a label in text, blocks and attachments, once each', () => {
    const message: SlackMessageLike = {
      text: 'hi <@U0ALICE> and <@U0LABEL|labelled> and <@U0ALICE>',
      blocks: [
        { type: 'rich_text', elements: [section({ type: 'user', user_id: 'U0BOB' })] },
        { type: 'section', text: { type: 'mrkdwn', text: 'cc <@W0ENT>' } },
      ],
      attachments: [{ text: 'from <@U0ATT>' }],
    };
    expect(mentionedUserIds(message).sort()).toEqual(['U0ALICE', 'U0ATT', 'U0BOB', 'W0ENT']);
  });
});
