import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_CALLBACK_ID,
  type ComposeMetadata,
  composeModal,
  MESSAGE_BLOCK,
  parseComposeMetadata,
  RECIPIENTS_BLOCK,
  splitRecipientField,
} from '../../src/slack/compose-modal.js';

function inputs(view: types.ModalView): types.InputBlock[] {
  return view.blocks.filter((block): block is types.InputBlock => block.type === 'input');
}

function textInput(block: types.InputBlock | undefined): types.PlainTextInput {
  const element = block?.element;
  if (element?.type !== 'plain_text_input') throw new Error('expected a plain_text_input');
  return element;
}

describe('compose modal metadata', () => {
  it('round-trips through private_metadata', () => {
    const channelOnly: ComposeMetadata = { teamId: 'T0TEAM', channelId: 'C0CHAN' };
    const fromMessage: ComposeMetadata = {
      teamId: 'T0TEAM',
      channelId: 'C0CHAN',
      messageTs: '1700000000.000100',
      threadTs: '1700000000.000001',
    };
    for (const metadata of [channelOnly, fromMessage]) {
      const view = composeModal(metadata, {}, 4000);
      expect(parseComposeMetadata(view.private_metadata)).toEqual(metadata);
    }
  });

  it('answers undefined for missing, malformed or foreign metadata', () => {
    for (const raw of [
      undefined,
      '',
      'not json',
      '{"teamId":"T0"',
      'null',
      '42',
      '[]',
      '{}',
      '{"teamId":"T0"}',
      '{"teamId":1,"channelId":"C0"}',
      '{"teamId":"T0","channelId":"C0","messageTs":17}',
    ]) {
      expect(parseComposeMetadata(raw), String(raw)).toBeUndefined();
    }
  });

  it('drops unknown keys', () => {
    expect(parseComposeMetadata('{"teamId":"T0","channelId":"C0","extra":"x"}')).toEqual({
      teamId: 'T0',
      channelId: 'C0',
    });
  });
});

describe('composeModal', () => {
  it('uses the fixed callback id and block / action ids', () => {
    const view = composeModal({ teamId: 'T0', channelId: 'C0' }, {}, 4000);
    expect(view.callback_id).toBe(COMPOSE_CALLBACK_ID);
    expect(COMPOSE_CALLBACK_ID).toBe('fx_send_modal');
    expect(RECIPIENTS_BLOCK).toBe('recipients');
    expect(MESSAGE_BLOCK).toBe('message');
    const [recipients, message, ...rest] = inputs(view);
    expect(rest).toEqual([]);
    expect(recipients?.block_id).toBe('recipients');
    expect(textInput(recipients).action_id).toBe('recipients');
    expect(message?.block_id).toBe('message');
    expect(textInput(message).action_id).toBe('message');
    expect(textInput(message).multiline).toBe(true);
    expect(view.submit?.text).toBe('Send');
  });

  it('starts empty from /fx-send', () => {
    const view = composeModal({ teamId: 'T0', channelId: 'C0' }, {}, 4000);
    const [recipients, message] = inputs(view);
    expect(textInput(recipients).initial_value).toBeUndefined();
    expect(textInput(message).initial_value).toBeUndefined();
    expect(message?.label.text).toBe('Message');
  });

  it('prefills the message and recipients when relaying a Slack message', () => {
    const view = composeModal(
      { teamId: 'T0', channelId: 'C0', messageTs: '1.2' },
      { text: 'from Slack', recipients: 'sales' },
      4000,
    );
    const [recipients, message] = inputs(view);
    expect(textInput(recipients).initial_value).toBe('sales');
    expect(textInput(message).initial_value).toBe('from Slack');
    expect(message?.label.text).toBe('Message (from Slack, edit if needed)');
  });

  it('caps the message input at the configured limit and at Slack’s 3000', () => {
    const small = composeModal({ teamId: 'T0', channelId: 'C0' }, {}, 500);
    expect(textInput(inputs(small)[1]).max_length).toBe(500);
    const large = composeModal({ teamId: 'T0', channelId: 'C0' }, { text: 'q'.repeat(5000) }, 4000);
    expect(textInput(inputs(large)[1]).max_length).toBe(3000);
    expect(textInput(inputs(large)[1]).initial_value).toHaveLength(3000);
  });
});

describe('splitRecipientField', () => {
  it('splits on commas, spaces and new lines, dropping empty items', () => {
    expect(splitRecipientField('FSUID_A1, 1001,,sales\n 1002\t1003 ,')).toEqual([
      'FSUID_A1',
      '1001',
      'sales',
      '1002',
      '1003',
    ]);
  });

  it('answers an empty list for nothing typed', () => {
    expect(splitRecipientField(undefined)).toEqual([]);
    expect(splitRecipientField(null)).toEqual([]);
    expect(splitRecipientField('')).toEqual([]);
    expect(splitRecipientField(' ,\n, ')).toEqual([]);
  });

  it('keeps duplicates and case for the resolver to handle', () => {
    expect(splitRecipientField('Sales sales')).toEqual(['Sales', 'sales']);
  });
});
