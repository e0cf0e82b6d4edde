/**
 * The compose modal (`fx_send_modal`). Modals keep no server state, so where the relay comes
 * from (a channel, or a Slack message to key it by) travels in `private_metadata`.
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';

export const COMPOSE_CALLBACK_ID = 'fx_send_modal';
export const RECIPIENTS_BLOCK = 'recipients';
export const MESSAGE_BLOCK = 'message';

const metadataSchema = z.object({
  teamId: z.string(),
  channelId: z.string(),
  /** Set when the modal relays an existing Slack message (the message shortcut). */
  messageTs: z.string().optional(),
  threadTs: z.string().optional(),
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

export function composeModal(
  metadata: ComposeMetadata,
  prefill: { text?: string; recipients?: string },
  maxLength: number,
): types.ModalView {
  const fromMessage = metadata.messageTs !== undefined;
  // Slack caps a plain_text_input at 3000 characters; clip the prefill to what may be sent.
  const limit = Math.min(maxLength, 3000);
  const initial = prefill.text ? [...prefill.text].slice(0, limit).join('') : undefined;
  const clipped = initial !== undefined && initial !== prefill.text;
  return {
    type: 'modal',
    callback_id: COMPOSE_CALLBACK_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Send to Fxiaoke' },
    submit: { type: 'plain_text', text: 'Send' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: RECIPIENTS_BLOCK,
        label: { type: 'plain_text', text: 'Recipients' },
        hint: {
          type: 'plain_text',
          text: 'Fxiaoke openUserIds (FSUID_…), employee ids or aliases, separated by commas.',
        },
        element: {
          type: 'plain_text_input',
          action_id: RECIPIENTS_BLOCK,
          ...(prefill.recipients ? { initial_value: prefill.recipients } : {}),
          placeholder: { type: 'plain_text', text: 'FSUID_…, 1001, sales' },
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
    ],
  };
}

/** Recipients typed in the modal: commas, spaces or new lines between them. */
export function splitRecipientField(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
