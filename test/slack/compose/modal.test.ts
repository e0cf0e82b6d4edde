import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_CALLBACK_ID,
  type ComposeMetadata,
  composeModal,
  FORMAT_BLOCK,
  FORMAT_CARD,
  FORMAT_TEXT,
  loadingModal,
  MESSAGE_BLOCK,
  parseComposeMetadata,
  RECIPIENTS_BLOCK,
  RESEND_BLOCK,
  SLACK_USERS_BLOCK,
  splitRecipientField,
} from '../../../src/slack/compose/modal.js';
import { makeBatch, makeRecord } from '../../store/records.js';

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
    const again: ComposeMetadata = { teamId: 'T0TEAM', channelId: 'C0CHAN', messageTs: '1.2', sendNumber: 3 };
    for (const metadata of [channelOnly, fromMessage, again]) {
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
      '{"teamId":"T0","channelId":"C0","sendNumber":1}',
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

function element<T extends string>(block: types.InputBlock | undefined, type: T) {
  const found = block?.element;
  if (found?.type !== type) throw new Error(`expected a ${type}, got ${found?.type}`);
  return found as Extract<types.InputBlock['element'], { type: T }>;
}

function byId(view: types.ModalView, blockId: string): types.InputBlock | undefined {
  return inputs(view).find((block) => block.block_id === blockId);
}

describe('composeModal', () => {
  it('uses the fixed callback id and block / action ids', () => {
    const view = composeModal({ teamId: 'T0', channelId: 'C0' }, {}, 4000);
    expect(view.callback_id).toBe(COMPOSE_CALLBACK_ID);
    expect(COMPOSE_CALLBACK_ID).toBe('fx_send_modal');
    expect(RECIPIENTS_BLOCK).toBe('recipients');
    expect(MESSAGE_BLOCK).toBe('message');
    expect(inputs(view).map((block) => block.block_id)).toEqual([
      'recipients',
      SLACK_USERS_BLOCK,
      'message',
      FORMAT_BLOCK,
    ]);
    // "Send as": text preselected, a card on request.
    const format = element(byId(view, FORMAT_BLOCK), 'radio_buttons');
    expect(format.options.map((option) => option.value)).toEqual([FORMAT_TEXT, FORMAT_CARD]);
    expect(format.initial_option?.value).toBe(FORMAT_TEXT);
    const recipients = element(byId(view, 'recipients'), 'multi_external_select');
    expect(recipients.action_id).toBe('recipients');
    expect(recipients.min_query_length).toBe(1);
    expect(element(byId(view, SLACK_USERS_BLOCK), 'multi_users_select').action_id).toBe(SLACK_USERS_BLOCK);
    expect(textInput(byId(view, 'message')).action_id).toBe('message');
    expect(textInput(byId(view, 'message')).multiline).toBe(true);
    expect(view.submit?.text).toBe('Send');
    // Either kind of recipient will do, so neither input is required by Slack; the server checks.
    expect(byId(view, 'recipients')?.optional).toBe(true);
    expect(byId(view, SLACK_USERS_BLOCK)?.optional).toBe(true);
  });

  it('starts empty from /fx-send', () => {
    const view = composeModal({ teamId: 'T0', channelId: 'C0' }, {}, 4000);
    expect(element(byId(view, 'recipients'), 'multi_external_select').initial_options).toBeUndefined();
    expect(textInput(byId(view, 'message')).initial_value).toBeUndefined();
    expect(byId(view, 'message')?.label.text).toBe('Message');
    expect(byId(view, RESEND_BLOCK)).toBeUndefined();
  });

  it('prefills the message and the channel default recipients when relaying a Slack message', () => {
    const defaults: types.PlainTextOption[] = [
      { text: { type: 'plain_text', text: 'sales — alias' }, value: 'sales' },
    ];
    const view = composeModal(
      { teamId: 'T0', channelId: 'C0', messageTs: '1.2' },
      { text: 'from Slack', recipients: defaults },
      4000,
    );
    expect(element(byId(view, 'recipients'), 'multi_external_select').initial_options).toEqual(defaults);
    expect(textInput(byId(view, 'message')).initial_value).toBe('from Slack');
    expect(byId(view, 'message')?.label.text).toBe('Message (from Slack, edit if needed)');
  });

  it('shows earlier relays of the message and asks before sending it again', () => {
    const earlier = makeRecord({
      status: 'sent',
      batches: [makeBatch(0, { status: 'sent', traceId: 'E-O.1' })],
    });
    const view = composeModal(
      { teamId: 'T0', channelId: 'C0', messageTs: '1.2', sendNumber: 2 },
      { text: 'again', earlier: [earlier] },
      4000,
    );
    const notice = view.blocks[0] as types.SectionBlock | undefined;
    expect(notice?.type).toBe('section');
    const text = notice?.text?.text ?? '';
    expect(text).toContain('already sent to Fxiaoke');
    expect(text).toContain(earlier.id);
    expect(text).toContain('`E-O.1`');
    expect(text).toContain('Sent');
    const resend = element(byId(view, RESEND_BLOCK), 'checkboxes');
    expect(resend.options.map((option) => option.value)).toEqual(['send_again']);
    expect(view.submit?.text).toBe('Send again');
  });

  it('caps the message input at the configured limit and at Slack’s 3000', () => {
    const small = composeModal({ teamId: 'T0', channelId: 'C0' }, {}, 500);
    expect(textInput(byId(small, 'message')).max_length).toBe(500);
    const large = composeModal({ teamId: 'T0', channelId: 'C0' }, { text: 'q'.repeat(5000) }, 4000);
    expect(textInput(byId(large, 'message')).max_length).toBe(3000);
    expect(textInput(byId(large, 'message')).initial_value).toHaveLength(3000);
    expect(byId(large, 'message')?.hint?.text).toContain('was cut');
  });

  it('has a loading version with nothing to submit', () => {
    const view = loadingModal();
    expect(view.submit).toBeUndefined();
    expect(inputs(view)).toEqual([]);
    expect(view.callback_id).not.toBe(COMPOSE_CALLBACK_ID);
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
