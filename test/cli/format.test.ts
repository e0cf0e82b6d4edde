/** Pure CLI text: the check report, times, and relay tables. */
import { describe, expect, it } from 'vitest';
import { formatCheckReport, formatRelayDetails, formatRelayList, formatTime } from '../../src/cli/format.js';
import { BASE_TIME, makeBatch, makeRecord } from '../store/records.js';

describe('formatCheckReport', () => {
  it('aligns one line per check with ✓, ✗ or -, indents multi-line details, and sums up', () => {
    const text = formatCheckReport([
      { name: 'configuration', outcome: 'fail', detail: '2 problems:\n- A is not set\n- B is wrong' },
      { name: 'store', outcome: 'skipped', detail: 'not tried' },
      { name: 'Slack', outcome: 'pass', detail: 'fine' },
    ]);
    expect(text).toBe(
      [
        '✗ configuration  2 problems:',
        '                 - A is not set',
        '                 - B is wrong',
        '- store          not tried',
        '✓ Slack          fine',
        '',
        '1 check failed; fx-bridge would not work as configured.',
      ].join('\n'),
    );
  });

  it('says all passed when nothing failed', () => {
    expect(formatCheckReport([{ name: 'a', outcome: 'pass', detail: 'ok' }])).toBe(
      '✓ a  ok\n\nAll checks passed.',
    );
  });

  it('marks a warning with ! and counts it in the summary, without failing anything', () => {
    expect(
      formatCheckReport([
        { name: 'a', outcome: 'pass', detail: 'ok' },
        { name: 'b', outcome: 'warn', detail: 'persists nothing' },
      ]),
    ).toBe('✓ a  ok\n! b  persists nothing\n\nAll checks passed. 1 warning (!) above.');
  });
});

describe('formatTime', () => {
  it('prints UTC to the second, and a dash for nothing', () => {
    expect(formatTime(Date.UTC(2024, 4, 6, 7, 8, 9, 123))).toBe('2024-05-06 07:08:09Z');
    expect(formatTime(undefined)).toBe('—');
    expect(formatTime(Number.NaN)).toBe('—');
  });
});

describe('relay formatting', () => {
  it('says so when the list is empty', () => {
    expect(formatRelayList([])).toBe('No relays found.');
  });

  it('shows a relay never keyed to a Slack message, without a service account, with a clipped text', () => {
    const record = makeRecord({
      slack: undefined,
      serviceId: undefined,
      status: 'failed',
      text: `${'word '.repeat(40)}end`,
      error: { kind: 'config', code: 20006, message: 'The appSecret is wrong.' },
      batches: [makeBatch(0, { status: 'failed' })],
    });
    const text = formatRelayDetails(record);
    expect(text).toMatch(/Slack message +— \(not keyed to a message\)/);
    expect(text).toMatch(/service account +— \(plain send: Fxiaoke cannot revoke it\)/);
    expect(text).toMatch(/error +The appSecret is wrong\. \(errorCode 20006, config\)/);
    expect(text).toMatch(/text +(word ){15}/);
    expect(text).toContain('…');
    expect(text).toContain('1 batch:');
    expect(formatRelayList([record])).toContain('—');
  });

  it('shows an answer still owed to a sender, and who tells it', () => {
    const owed = {
      kind: 'revoke' as const,
      to: 'U0ADMIN',
      owner: 'fxb_a',
      until: BASE_TIME,
      since: BASE_TIME,
    };
    expect(formatRelayDetails(makeRecord({ status: 'revoked', owed }))).toMatch(
      /answer owed +revoke to U0ADMIN · by fxb_a until /,
    );
    expect(formatRelayDetails(makeRecord({ status: 'sent' }))).not.toContain('answer owed');
  });

  it('shows a held relay in its own status, and where each relay came from', () => {
    const held = makeRecord({
      slack: undefined,
      status: 'held',
      source: {
        door: 'message',
        teamId: 'T0TEST',
        slack: { teamId: 'T0TEST', channelId: 'C0GENERAL', ts: '1700000000.000300' },
        repeat: 2,
      },
      error: { kind: 'held', message: 'Not sent: 1 recipient cannot be reached (@carol).' },
    });
    const text = formatRelayDetails(held);
    expect(text).toMatch(/status +held\n/);
    expect(text).toMatch(/source +message T0TEST:C0GENERAL:1700000000\.000300 \(send #2\)\n/);
    expect(formatRelayList([held])).toMatch(/ held /);
    // A record older than the field: the source its request key names.
    const old = makeRecord({ source: undefined, requestKey: 'compose:T0TEST:V0VIEW' });
    expect(formatRelayDetails(old)).toMatch(/source +compose\n/);
  });

  it('says a card relay went out as a card, with its title and link; a text relay says nothing of it', () => {
    const card = {
      title: 'bob in #general (Slack)',
      url: 'https://x.slack.com/archives/C1/p1',
      linkTo: 'message' as const,
    };
    const text = formatRelayDetails(makeRecord({ format: 'card', card }));
    expect(text).toMatch(
      /sent as +a card: "bob in #general \(Slack\)", link https:\/\/x\.slack\.com\/archives\/C1\/p1/,
    );
    expect(formatRelayDetails(makeRecord())).not.toContain('sent as');
  });

  it('says what the relay is doing, and which process holds it until when', () => {
    const until = Date.UTC(2024, 4, 6, 7, 8, 9);
    const updating = makeRecord({
      status: 'revoking',
      lease: { owner: 'fxb_one', until },
      updateRequest: {
        actorId: 'U0ADMIN',
        requestedAt: 1,
        text: 'new',
        secondCopy: false,
        via: 'button',
        previousStatus: 'sent',
      },
    });
    expect(formatRelayDetails(updating)).toMatch(
      /work +updating \(button\): revoking the old copies, asked by U0ADMIN · lease fxb_one until 2024-05-06 07:08:09Z\n/,
    );
    const following = makeRecord({
      status: 'changed',
      slackChanges: {
        waiting: { kind: 'edit', text: 'v3', edits: 3, firstAt: 1, lastAt: 2, previousStatus: 'partial' },
      },
    });
    expect(formatRelayDetails(following)).toMatch(
      /work +following 3 edits of the Slack message, from partial\n/,
    );
    expect(formatRelayDetails(makeRecord({ status: 'sent' }))).toMatch(/work +—\n/);
  });
});
