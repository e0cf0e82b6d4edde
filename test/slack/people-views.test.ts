/** Pure Slack-side pieces of the people features: typeahead options, the Home view, modal forms. */
import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { checkErrors, formErrors, readComposeForm, recipientInputs } from '../../src/slack/compose/form.js';
import {
  aliasOption,
  departmentOption,
  personOption,
  suggestRecipients,
} from '../../src/slack/compose/recipient-options.js';
import { homeView } from '../../src/slack/home/view.js';
import { heldMessage } from '../../src/slack/replies/held.js';
import { fromUnicodeField } from '../../src/slack/text/emoji.js';
import { ALICE, BOB, FakePeople, GONE, salesDepartments } from '../relay/fake-people.js';
import { testSettings } from '../relay/relay-deps.js';
import { makeBatch, makeRecord } from '../store/records.js';

describe('typeahead options', () => {
  it('labels people by name, nickname and e-mail, within Slack’s 75 characters', () => {
    expect(personOption({ ...ALICE, nickName: 'ali' })).toEqual({
      text: { type: 'plain_text', text: 'Alice Wang (ali) · alice@corp.example', emoji: false },
      value: ALICE.openUserId,
    });
    const long = personOption({ ...BOB, name: '很长的名字'.repeat(20) });
    expect([...long.text.text]).toHaveLength(75);
    expect(long.text.text.endsWith('…')).toBe(true);
    expect(aliasOption('sales', ['a']).text.text).toBe('sales — alias from the config file · 1 person');
  });

  it('offers aliases first, then active people, at most 100, and a typed id unless it is departed', async () => {
    const people = new FakePeople([
      ALICE,
      BOB,
      GONE,
      ...Array.from({ length: 150 }, (_, i) => ({ ...BOB, openUserId: `FSUID_B${i}`, name: `Bob ${i}` })),
    ]);
    const aliases = { bobcats: ['FSUID_X'], sales: ['FSUID_Y'], 'big-bob': ['FSUID_Z'] };
    const options = await suggestRecipients('bob', aliases, people);
    expect(options).toHaveLength(100);
    expect(options.slice(0, 2).map((o) => o.value)).toEqual(['bobcats', 'big-bob']);
    expect(options.some((o) => o.value === GONE.openUserId)).toBe(false);
    expect((await suggestRecipients(GONE.openUserId, {}, people)).map((o) => o.value)).toEqual([]);
    expect((await suggestRecipients('FSUID_UNKNOWN1', {}, people)).map((o) => o.text.text)).toEqual([
      'FSUID_UNKNOWN1 — id as typed',
    ]);
    expect((await suggestRecipients(' 42 ', {}, undefined)).map((o) => o.value)).toEqual(['42']);
  });
});

describe('department options', () => {
  it('labels a department by name, member count and path; its value is dept:<id>', () => {
    const department = { id: 1004, name: 'Shanghai', parentId: 1002, isStop: false };
    expect(departmentOption({ department, path: 'Sales › Sales East › Shanghai', members: 37 })).toEqual({
      text: {
        type: 'plain_text',
        text: 'Shanghai — department · 37 people · Sales › Sales East › Shanghai',
        emoji: false,
      },
      value: 'dept:1004',
    });
    expect(departmentOption({ department: { ...department, name: 'Top' }, path: 'Top' }).text.text).toBe(
      'Top — department',
    );
  });

  it('offers departments after aliases and before people, and people still when the department search fails', async () => {
    const departments = salesDepartments();
    const found = {
      list: () => departments.list(),
      membersOf: (id: number) => departments.membersOf(id),
      search: async () => [
        { department: { id: 1002, name: 'Sales East', isStop: false }, path: 'Sales › Sales East' },
      ],
    };
    const people = new FakePeople([{ ...ALICE, name: 'Sales Alice' }]);
    const options = await suggestRecipients('sales', { sales: ['FSUID_Y'] }, people, found);
    expect(options.map((option) => option.value)).toEqual(['sales', 'dept:1002', ALICE.openUserId]);
    const broken = { ...found, search: async () => Promise.reject(new Error('down')) };
    expect((await suggestRecipients('sales', {}, people, broken)).map((option) => option.value)).toEqual([
      ALICE.openUserId,
    ]);
  });
});

describe('emoji from rich_text unicode fields', () => {
  it('reads code points and refuses anything else', () => {
    expect(fromUnicodeField('1f44d-1f3fd')).toBe('👍🏽');
    expect(fromUnicodeField('2705')).toBe('✅');
    expect(fromUnicodeField('zz')).toBeUndefined();
    expect(fromUnicodeField(undefined)).toBeUndefined();
  });
});

describe('homeView', () => {
  const sent = makeRecord({
    status: 'sent',
    senderId: 'U0SENDER',
    text: 'line one\n<!channel> & *more*',
    recipients: ['FSUID_A', 'FSUID_B'],
    batches: [makeBatch(0, { status: 'sent', messageId: 'm1', traceId: 'E-O.42' })],
  });
  const failed = makeRecord({
    status: 'failed',
    senderId: 'U0OTHER',
    batches: [makeBatch(0, { status: 'failed' })],
  });
  const texts = (view: types.HomeView) => JSON.stringify(view.blocks);

  it('shows each relay with an escaped one-line preview, and Revoke only where it can be revoked', () => {
    const view = homeView([sent, failed], { userId: 'U0SENDER', admin: false });
    expect(view.type).toBe('home');
    expect(texts(view)).toContain('>line one &lt;!channel&gt; &amp; *more*');
    expect(texts(view)).toContain('`E-O.42`');
    const buttons = (view.blocks as types.SectionBlock[]).flatMap((block) =>
      block.accessory?.type === 'button' ? [block.accessory.value] : [],
    );
    expect(buttons).toEqual([sent.id]);
    expect(texts(view)).not.toContain('from <@');
  });

  it('gives admins the sender and a Revoke on everyone’s relays; others none on relays not theirs', () => {
    const theirs = { ...sent, senderId: 'U0OTHER' };
    const admin = homeView([theirs], { userId: 'U0ADMIN', admin: true });
    expect(texts(admin)).toContain('from <@U0OTHER>');
    expect(texts(admin)).toContain('fx_revoke');
    expect(texts(homeView([theirs], { userId: 'U0SENDER', admin: false }))).not.toContain('fx_revoke');
  });

  it('stays under Slack’s 100 blocks and puts a notice on top', () => {
    const many = Array.from({ length: 60 }, () => sent);
    const view = homeView(many, { userId: 'U0SENDER', admin: false, notice: 'Revoked relay x' });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view.blocks[0])).toContain('Revoked relay x');
  });
});

describe('compose form', () => {
  const view = (
    values: Record<string, Record<string, unknown>>,
    metadata = '{"teamId":"T0","channelId":"C0"}',
  ) => ({
    private_metadata: metadata,
    state: { values: values as never },
  });

  it('reads typeahead options, Slack people and the resend tick', () => {
    const form = readComposeForm(
      view(
        {
          recipients: {
            recipients: {
              type: 'multi_external_select',
              selected_options: [{ value: 'sales' }, { value: 'FSUID_A' }],
            },
          },
          slack_users: { slack_users: { type: 'multi_users_select', selected_users: ['U0A'] } },
          message: { message: { type: 'plain_text_input', value: '  hi  ' } },
          resend: { resend: { type: 'checkboxes', selected_options: [{ value: 'send_again' }] } },
        },
        '{"teamId":"T0","channelId":"C0","messageTs":"1.2","sendNumber":2}',
      ),
    );
    expect(form).toMatchObject({
      recipients: ['sales', 'FSUID_A'],
      slackUsers: ['U0A'],
      text: 'hi',
      resend: true,
    });
    expect(recipientInputs(form)).toEqual(['sales', 'FSUID_A', '<@U0A>']);
    expect(formErrors(form, testSettings())).toEqual({});
    expect(formErrors({ ...form, resend: false }, testSettings())).toHaveProperty('resend');
    expect(
      formErrors({ ...form, metadata: { ...form.metadata!, sendNumber: 21 } }, testSettings()),
    ).toMatchObject({
      resend: expect.stringContaining('20 times'),
    });
  });

  it('puts unreachable Slack people under their block and the rest under recipients', () => {
    const form = readComposeForm(
      view({ slack_users: { slack_users: { type: 'x', selected_users: ['U0C'] } } }),
    );
    const errors = checkErrors(
      {
        ok: true,
        recipients: ['FSUID_A'],
        unreachable: [
          { input: '@carol', reason: 'no match', slackUserId: 'U0C' },
          { input: 'Gone (FSUID_G)', reason: 'has left' },
        ],
      },
      form,
    );
    expect(errors).toEqual({
      slack_users: '@carol: no match. Remove them to send to the others.',
      recipients: 'Gone (FSUID_G): has left. Remove them to send to the others.',
    });
    expect(checkErrors({ ok: true, recipients: ['x'], unreachable: [] }, form)).toEqual({});
    expect(checkErrors({ ok: false, problems: [{ input: 'salez', reason: 'unknown' }] }, form)).toEqual({
      recipients: 'salez: unknown.',
    });
  });
});

describe('heldMessage', () => {
  it('names the unreachable (escaped, ten at most) and offers to send to the others or cancel', () => {
    const record = makeRecord({ recipients: ['FSUID_A', 'FSUID_B'], text: 'hello <team>' });
    const unreachable = Array.from({ length: 12 }, (_, i) => ({ input: `@p${i}<x>`, reason: 'no match' }));
    const { text, blocks } = heldMessage(record, unreachable);
    expect(text).toContain('12 recipients cannot be reached');
    const json = JSON.stringify(blocks);
    expect(json).toContain('@p0&lt;x&gt;');
    expect(json).toContain('…and 2 more');
    expect(json).toContain('Send to the 2 who can be reached');
    expect(json).toContain('hello &lt;team&gt;');
  });
});
