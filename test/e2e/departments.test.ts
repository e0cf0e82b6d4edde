/**
 * Departments as recipients, end to end: signed /fx-send requests and compose submissions through
 * the real Bolt app, the emulator's department tree (fetchChild honoured), a real SQLite file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { departmentCompany } from '../../dev/fakes/fxiaoke-emulator.js';
import { CHANNEL_ID, SENDER_ID } from '../../dev/fakes/slack-requests.js';
import { Harness } from './harness.js';
import { block, shortcutModal, submitModal, typeahead } from './people-requests.js';
import { eventCallback, messageChanged, postEvent, relayWhen } from './sync-requests.js';

const SEND = '/cgi/app/message/send';
const REVOKE = '/cgi/app/message/revoke';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: { salesEast?: number; fileConfig?: string } = {}) {
  const company = departmentCompany({ salesEast: options.salesEast ?? 4 });
  harness = await Harness.start({
    emulator: { users: company.users, departments: company.departments },
    ...(options.fileConfig ? { fileConfig: options.fileConfig } : {}),
  });
  const members = (department: number) =>
    company.users.filter((user) => user.departmentIds?.includes(department) && !user.isStop);
  return { h: harness, company, members };
}

/** /fx-send, then the receipt and the settled relay. */
async function send(h: Harness, text: string) {
  const before = h.slack.messages.length;
  const { response, responseUrl } = await h.command(text);
  expect(response.status).toBe(200);
  const receipt = await h.receiptAfter(before);
  const record = await h.settledRelayFor(receipt, 15_000);
  return { receipt, record, responseUrl };
}

describe('departments as recipients', () => {
  it('dept:"<name>" reaches the active members of it and its sub-departments, named in the receipt with its count', async () => {
    const { h, members } = await start();
    const east = [...members(1002), ...members(1004)].map((user) => user.openUserId);
    const alice = h.emulator.options.users[0]!.openUserId;
    const { receipt, record } = await send(h, `dept:"sales east",${alice} Quarterly numbers are in`);
    expect(h.emulator.messages).toHaveLength(1);
    // Everyone active in Sales East and Shanghai, in the order named, once each; not who left.
    expect(h.emulator.messages[0]!.toUser).toEqual([...east, alice]);
    expect(record.recipients).toEqual([...east, alice]);
    expect(record.departments).toEqual([{ id: 1002, name: 'Sales East', people: 5, departed: 1 }]);
    const shown = JSON.stringify(receipt.blocks);
    expect(shown).toContain('Sales East (dept 1002): 5 people (1 who left not included)');
    expect(receipt.text).toContain('Sales East (dept 1002): 5 people');
    // The department's people were asked for with its sub-departments.
    expect(h.emulator.requestsTo('/cgi/user/list').map((request) => request.body)).toContainEqual({
      departmentId: 1002,
      fetchChild: true,
    });
  });

  it('refuses an unknown, an ambiguous and a stopped department with the candidates, and sends nothing', async () => {
    const { h } = await start();
    const cases: [string, string[]][] = [
      ['dept:"Sales Eats"', ['no Fxiaoke department is called “Sales Eats”', 'Sales East (dept 1002)']],
      [
        'dept:Support',
        [
          '2 Fxiaoke departments are called “Support”',
          'Support (dept 2001) in Company (dept 999999)',
          'Support (dept 2002) in Sales (dept 1001)',
        ],
      ],
      ['dept:"Sales West"', ['Sales West (dept 1003) is stopped in Fxiaoke']],
      ['dept:4242', ['Fxiaoke has no department with id 4242']],
    ];
    for (const [recipients, expected] of cases) {
      const { response, responseUrl } = await h.command(`${recipients} hello`);
      expect(response.status).toBe(200);
      const [answer] = await h.responsesTo(responseUrl);
      expect(answer, recipients).toContain('Nothing was sent');
      for (const part of expected) expect(answer, recipients).toContain(part);
    }
    expect(h.emulator.requestsTo(SEND)).toHaveLength(0);
  });

  it('counts maxRecipients after expansion and names the department that made the list too long', async () => {
    const { h } = await start({ fileConfig: 'maxRecipients: 3\n' });
    const alice = h.emulator.options.users[0]!.openUserId;
    const { responseUrl } = await h.command(`${alice},dept:1002 hello`);
    const [answer] = await h.responsesTo(responseUrl);
    expect(answer).toContain('that is 6 recipients; one relay may have at most 3');
    expect(answer).toContain('Sales East (dept 1002) made it too long (it has 5 people)');
    expect(h.emulator.requestsTo(SEND)).toHaveLength(0);
  });

  it('a department of 1,200 goes out in three batches; Revoke later reaches exactly those people, though the department changed', async () => {
    const { h, members } = await start({ salesEast: 1201, fileConfig: 'maxRecipients: 5000\n' });
    const everyone = [...members(1002), ...members(1004)].map((user) => user.openUserId);
    expect(everyone).toHaveLength(1202);
    const { receipt, record } = await send(h, 'dept:1002 All hands at 3pm');
    expect(record.status).toBe('sent');
    expect(h.emulator.messages.map((message) => message.toUser.length)).toEqual([500, 500, 202]);
    expect(record.batches.map((batch) => batch.recipients.length)).toEqual([500, 500, 202]);
    expect(JSON.stringify(receipt.blocks)).toContain(
      'Sales East (dept 1002): 1202 people (1 who left not included)',
    );

    // The department changes: people move out, a newcomer moves in. The relay keeps whom it reached.
    for (const user of h.emulator.users.slice(0, 200)) user.departmentIds = [2001];
    const moved = h.emulator.users.find((user) => user.departmentIds?.includes(1002));
    h.emulator.addUser({ openUserId: 'FSUID_NEWCOMER', name: 'Newcomer', departmentIds: [1002] });
    expect(moved).toBeDefined();

    const { responseUrl } = await h.revokeByShortcut(receipt.channel, receipt.ts);
    const [answer] = await h.responsesTo(responseUrl);
    expect(answer).toContain('Revoked relay');
    const revoked = h.emulator
      .requestsTo(REVOKE)
      .map((request) => (request.body as { messageId: string }).messageId);
    expect(revoked.sort()).toEqual(record.batches.map((batch) => batch.messageId).sort());
    expect(h.emulator.messages.every((message) => message.revoked)).toBe(true);
    const after = await h.bridge.store.findById(record.id);
    expect(after?.recipients).toEqual(everyone);
    expect(after?.status).toBe('revoked');
  }, 60_000);

  it('an edit (sync.edits: auto) reaches the people the department had when it was sent', async () => {
    const { h, members } = await start({ fileConfig: 'sync:\n  edits: auto\n' });
    const ts = '1700000600.000100';
    const view = await shortcutModal(h, { ts, text: 'Launch at 9', user: SENDER_ID });
    expect((await submitModal(h, view, { recipients: ['dept:1002'], text: 'Launch at 9' })).status).toBe(200);
    const first = await relayWhen(h, ts, (record) => record.status === 'sent');
    const reached = [...members(1002), ...members(1004)].map((user) => user.openUserId);
    expect(first.recipients).toEqual(reached);

    h.emulator.addUser({ openUserId: 'FSUID_NEWCOMER', name: 'Newcomer', departmentIds: [1002] });
    const edit = eventCallback(messageChanged({ ts, text: 'Launch at 10', previousText: 'Launch at 9' }));
    expect((await postEvent(h, edit)).status).toBe(200);
    const updated = await relayWhen(
      h,
      ts,
      (record) => record.text === 'Launch at 10' && record.status === 'sent',
    );
    const sends = h.emulator.requestsTo(SEND);
    expect(sends).toHaveLength(2);
    expect((sends[1]!.body as { toUser: string[] }).toUser).toEqual(reached);
    expect(updated.departments).toEqual(first.departments);
  });

  it('the typeahead offers departments (name, count, path) with the value dept:<id>, and the compose window sends to one', async () => {
    const { h } = await start();
    const options = await typeahead(h, 'shang');
    const department = options.find((option) => option.value === 'dept:1004');
    expect(department?.text.text).toBe('Shanghai — department · 2 people · Sales › Sales East › Shanghai');
    // Stopped departments are not offered.
    expect((await typeahead(h, 'west')).some((option) => option.value.startsWith('dept:'))).toBe(false);

    const view = await shortcutModal(h, { ts: '1700000700.000100', text: 'Hi Shanghai', user: SENDER_ID });
    expect((await submitModal(h, view, { recipients: ['dept:1004'], text: 'Hi Shanghai' })).status).toBe(200);
    const record = await relayWhen(h, '1700000700.000100', (r) => r.status === 'sent');
    expect(record.departments).toEqual([{ id: 1004, name: 'Shanghai', people: 2, departed: 0 }]);
    expect(h.emulator.messages.at(-1)?.toUser).toHaveLength(2);
  });

  it('prefills a channel’s default departments in the compose window, labelled with their path', async () => {
    const { h } = await start({
      fileConfig: `channelDefaults:\n  ${CHANNEL_ID}: ["dept:1004", "dept:Sales East"]\n`,
    });
    const view = await shortcutModal(h, { ts: '1700000800.000100', text: 'Hello', user: SENDER_ID });
    const prefilled = block(view, 'recipients')?.element?.initial_options ?? [];
    expect(prefilled.map((option) => [option.value, option.text.text])).toEqual([
      ['dept:1004', 'Shanghai — department · Sales › Sales East › Shanghai'],
      ['dept:Sales East', 'Sales East — department · Sales › Sales East'],
    ]);
  });
});
