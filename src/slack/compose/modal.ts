/**
 * The compose modal (`fx_send_modal`). Modals keep no server state, so where the relay comes
 * from (a channel, or a Slack message to key it by) travels in `private_metadata`.
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';
import { MAX_CARD_TEXT } from '../../fxiaoke/interface.js';
import type { RelayRecord } from '../../relay/types.js';
import { relaySummary } from '../replies/summary.js';

export const COMPOSE_CALLBACK_ID = 'fx_send_modal';
export const COMPOSE_LOADING_CALLBACK_ID = 'fx_send_modal_loading';
export const RECIPIENTS_BLOCK = 'recipients';
export const SLACK_USERS_BLOCK = 'slack_users';
export const MESSAGE_BLOCK = 'message';
export const RESEND_BLOCK = 'resend';
export const RESEND_VALUE = 'send_again';
/** "Send as a card" (radio buttons): text stays the default. */
export const FORMAT_BLOCK = 'format';
export const FORMAT_TEXT = 'text';
export const FORMAT_CARD = 'card';

const metadataSchema = z.object({
  teamId: z.string(),
  channelId: z.string(),
  /** The channel's name, for the attribution and a card's title; absent in a direct message. */
  channelName: z.string().optional(),
  /** Set when the modal relays an existing Slack message (the message shortcut). */
  messageTs: z.string().optional(),
  /** Set only for a thread reply (not for a thread's parent, which carries its own ts as thread_ts). */
  threadTs: z.string().optional(),
  /** 2, 3, …: the message was relayed before and this modal asks to send it again as that number. */
  sendNumber: z.number().int().min(2).optional(),
  /** Files of the message (Slack's `message.files`): images go after the text, the rest are named. */
  files: z
    .array(
      z.object({
        fileId: z.string().optional(),
        name: z.string(),
        mimetype: z.string().optional(),
        url: z.string().optional(),
      }),
    )
    .optional(),
});
export type ComposeMetadata = z.infer<typeof metadataSchema>;

export function parseComposeMetadata(raw: string | undefined): ComposeMetadata | undefined {
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface ComposePrefill {
  text?: string;
  /** Initial recipients (channel defaults), as typeahead options. */
  recipients?: types.PlainTextOption[];
  /** Earlier relays of the same message: shown, and a second send must be ticked. */
  earlier?: RelayRecord[];
  /** The offer to update the earlier relay instead (sync/manual-update.ts), shown first. */
  update?: types.KnownBlock[];
}

export function composeModal(
  metadata: ComposeMetadata,
  prefill: ComposePrefill,
  maxLength: number,
): types.ModalView {
  const fromMessage = metadata.messageTs !== undefined;
  // Slack caps a plain_text_input at 3000 characters; clip the prefill to what may be sent.
  const limit = Math.min(maxLength, 3000);
  const initial = prefill.text ? [...prefill.text].slice(0, limit).join('') : undefined;
  const clipped = initial !== undefined && initial !== prefill.text;
  const earlier = prefill.earlier ?? [];
  return {
    type: 'modal',
    callback_id: COMPOSE_CALLBACK_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Send to Fxiaoke' },
    submit: { type: 'plain_text', text: earlier.length > 0 ? 'Send again' : 'Send' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      ...(prefill.update ?? []),
      ...earlierBlocks(earlier),
      {
        type: 'input',
        block_id: RECIPIENTS_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Fxiaoke recipients' },
        hint: {
          type: 'plain_text',
          text: 'Type a name, e-mail or alias. People who left the company are not offered.',
        },
        element: {
          type: 'multi_external_select',
          action_id: RECIPIENTS_BLOCK,
          min_query_length: 1,
          placeholder: { type: 'plain_text', text: 'Name, e-mail, alias or FSUID_…' },
          ...(prefill.recipients?.length ? { initial_options: prefill.recipients } : {}),
        },
      },
      {
        type: 'input',
        block_id: SLACK_USERS_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Slack people' },
        hint: {
          type: 'plain_text',
          text: 'Sent to their Fxiaoke accounts, found by the config file, their e-mail or their phone.',
        },
        element: {
          type: 'multi_users_select',
          action_id: SLACK_USERS_BLOCK,
          placeholder: { type: 'plain_text', text: 'Pick Slack colleagues' },
        },
      },
      {
        type: 'input',
        block_id: MESSAGE_BLOCK,
        label: { type: 'plain_text', text: fromMessage ? 'Message (from Slack, edit if needed)' : 'Message' },
        element: {
          type: 'plain_text_input',
          action_id: MESSAGE_BLOCK,
          multiline: true,
          max_length: limit,
          ...(initial ? { initial_value: initial } : {}),
        },
        ...(clipped
          ? {
              hint: {
                type: 'plain_text',
                text: `The Slack message was longer than ${limit} characters and was cut.`,
              },
            }
          : {}),
      },
      formatBlock(fromMessage),
      ...filesBlocks(metadata.files ?? []),
    ],
  };
}

/** Text or a card (relay/card.ts); text is preselected. */
function formatBlock(fromMessage: boolean): types.KnownBlock {
  const text = { text: { type: 'plain_text' as const, text: 'Text message' }, value: FORMAT_TEXT };
  const card = {
    text: { type: 'plain_text' as const, text: 'Send as a card' },
    description: {
      type: 'plain_text' as const,
      text: fromMessage
        ? `Names you and the channel, links back to this Slack message; up to ${MAX_CARD_TEXT} characters.`
        : `Names you and the channel, links back to the channel in Slack; up to ${MAX_CARD_TEXT} characters.`,
    },
    value: FORMAT_CARD,
  };
  return {
    type: 'input',
    block_id: FORMAT_BLOCK,
    optional: true,
    label: { type: 'plain_text', text: 'Send as' },
    element: { type: 'radio_buttons', action_id: FORMAT_BLOCK, options: [text, card], initial_option: text },
  };
}

/** Says up front what happens to the message's files. */
function filesBlocks(files: readonly { name: string }[]): types.KnownBlock[] {
  if (files.length === 0) return [];
  const names = files.map((file) => file.name).join(', ');
  const count = files.length === 1 ? '1 file' : `${files.length} files`;
  return [
    {
      type: 'context',
      elements: [
        {
          type: 'plain_text',
          text: `📎 ${count}: ${names}. Images (PNG, JPEG, GIF, WebP) are sent to Fxiaoke after the text; other files are named in it.`,
        },
      ],
    },
  ];
}

/** Shown at once (inside the 3-second trigger window) while the real modal is prepared. */
export function loadingModal(): types.ModalView {
  return {
    type: 'modal',
    callback_id: COMPOSE_LOADING_CALLBACK_ID,
    title: { type: 'plain_text', text: 'Send to Fxiaoke' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Preparing the message…' },
      },
    ],
  };
}

function earlierBlocks(earlier: readonly RelayRecord[]): types.KnownBlock[] {
  if (earlier.length === 0) return [];
  const shown = earlier.slice(-3).map((record) => `• ${relaySummary(record)}`);
  const more = earlier.length > 3 ? `\n…and ${earlier.length - 3} earlier` : '';
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:information_source: *This message was already sent to Fxiaoke:*\n${shown.join('\n')}${more}`,
      },
    },
    {
      type: 'input',
      block_id: RESEND_BLOCK,
      optional: true,
      label: { type: 'plain_text', text: 'Send it again?' },
      element: {
        type: 'checkboxes',
        action_id: RESEND_BLOCK,
        options: [
          {
            text: { type: 'plain_text', text: 'Yes, send this message to Fxiaoke again' },
            value: RESEND_VALUE,
          },
        ],
      },
    },
    { type: 'divider' },
  ];
}

/** Recipients typed as text (older modals, or a text field): commas, spaces or new lines between them. */
export function splitRecipientField(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
