/**
 * The chaos checker's rules on histories written by hand: each rule catches the lie it is for
 * (the issue 17 kinds among them) and lets the truthful version of the same story pass.
 */
import { describe, expect, it } from 'vitest';
import type {
  Claim,
  Delivery,
  FxMessage,
  FxRequest,
  History,
  OpRecord,
  Statement,
} from '../../bench/chaos/history.js';
import type { Op, PlannedOp } from '../../bench/chaos/plan.js';
import { PATHS, tagOf } from '../../bench/chaos/plan.js';
import {
  acksAnswered,
  check,
  deliveryRecorded,
  exactlyOnce,
  newestTextLast,
  noBusy500,
  receiptsTrue,
  statementsTrue,
  storeMatchesFxiaoke,
  View,
  workingState,
} from '../../bench/chaos/rules.js';
import { newRelayId } from '../../src/relay/ids.js';
import type { RelayBatch, RelayRecord } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';

const SEND = 1;
const RELAY = newRelayId();

function history(parts: Partial<History>): History {
  return {
    seed: 7,
    plan: [planned(SEND, { kind: 'command', recipients: 'reachable', replica: 0 })],
    ops: [op(SEND, 100)],
    deliveries: [],
    statements: [],
    fxRequests: [],
    fxMessages: [],
    relays: [],
    endedAt: 10_000,
    settledAt: 20_000,
    ...parts,
  };
}

function planned(index: number, op: Op): PlannedOp {
  return { index, op, gapMs: 0 };
}

function op(index: number, startedAt: number, deliveries: number[] = []): OpRecord {
  return { index, startedAt, deliveries };
}

function delivery(opIndex: number, overrides: Partial<Delivery> = {}): Delivery {
  return {
    op: opIndex,
    what: 'slash command',
    attempt: 0,
    replica: 0,
    sentAt: 100,
    answeredAt: 110,
    status: 200,
    storeUp: true,
    ...overrides,
  };
}

function message(edit: number, at: number, overrides: Partial<FxMessage> = {}): FxMessage {
  return {
    messageId: `m-${edit}-${at}`,
    at,
    tag: { send: SEND, edit },
    recipients: ['FSUID_A'],
    revoked: false,
    ...overrides,
  };
}

function sendCall(edit: number, at: number, overrides: Partial<FxRequest> = {}): FxRequest {
  return { id: at, at, path: PATHS.send, tags: [{ send: SEND, edit }], ...overrides };
}

function said(
  via: Statement['via'],
  at: number,
  claims: Array<Claim['kind']>,
  overrides: Partial<Statement> = {},
): Statement {
  return {
    id: at,
    at,
    via,
    heard: true,
    text: `${tagOf(SEND, 0)} …`,
    relayIds: [RELAY],
    tags: [{ send: SEND, edit: 0 }],
    claims: claims.map((kind) => ({ kind, relayId: RELAY, phrase: kind })),
    ...overrides,
  };
}

function relay(batches: RelayBatch[], overrides: Partial<RelayRecord> = {}): RelayRecord {
  return makeRecord({ id: RELAY, text: `${tagOf(SEND, 0)} quote`, status: 'sent', batches, ...overrides });
}

const run = (rule: (view: View) => unknown[], h: History) => rule(new View(h));

describe('exactly-once', () => {
  it('catches the same text reaching the same people twice', () => {
    const twice = history({ fxMessages: [message(0, 1000), message(0, 2000)] });
    expect(run(exactlyOnce, twice)).toEqual([expect.objectContaining({ rule: 'exactly-once', send: SEND })]);
  });

  it('lets each edit arrive once', () => {
    expect(run(exactlyOnce, history({ fxMessages: [message(0, 1000), message(1, 2000)] }))).toEqual([]);
  });
});

describe('newest-text-last', () => {
  it('catches an older edit reaching Fxiaoke after a newer one (issue 17: the latest edit wins)', () => {
    const late = history({ fxMessages: [message(0, 1000), message(2, 2000), message(1, 3000)] });
    expect(run(newestTextLast, late)).toEqual([
      expect.objectContaining({ rule: 'newest-text-last', message: expect.stringContaining('edit 1 of #1') }),
    ]);
  });

  it('lets edits arrive in order, skipped ones included', () => {
    expect(run(newestTextLast, history({ fxMessages: [message(0, 1000), message(2, 2000)] }))).toEqual([]);
  });
});

describe('store-matches-fxiaoke', () => {
  it('catches "sent" for a message Fxiaoke has revoked (issue 17: a lost revoke answer shown as Sent)', () => {
    const h = history({
      relays: [relay([makeBatch(0, { status: 'sent', messageId: 'm-0-1000' })])],
      fxMessages: [message(0, 1000, { revoked: true, revokedAt: 1500 })],
    });
    expect(run(storeMatchesFxiaoke, h)).toEqual([
      expect.objectContaining({
        rule: 'store-matches-fxiaoke',
        message: expect.stringContaining('has revoked'),
      }),
    ]);
  });

  it('lets a sent batch stand while its revoke is honestly uncertain', () => {
    const h = history({
      relays: [
        relay([
          makeBatch(0, {
            status: 'sent',
            messageId: 'm-0-1000',
            revokeError: { kind: 'revoke_uncertain', message: 'lost' },
          }),
        ]),
      ],
      fxMessages: [message(0, 1000, { revoked: true, revokedAt: 1500 })],
    });
    expect(run(storeMatchesFxiaoke, h)).toEqual([]);
  });

  it('catches "unknown" when no call ever left (issue 17: queued is not dispatched)', () => {
    const h = history({ relays: [relay([makeBatch(0, { status: 'unknown' })], { status: 'unknown' })] });
    expect(run(storeMatchesFxiaoke, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('no call with its text ever reached') }),
    ]);
    const reached = { ...h, fxRequests: [sendCall(0, 900, { fault: 'timeout' })] };
    expect(run(storeMatchesFxiaoke, reached)).toEqual([]);
  });

  it('lets "unknown" stand when the replica was killed right after the dispatch mark, not seconds after', () => {
    const KILL = 2;
    const killedAt = (at: number) =>
      history({
        plan: [
          planned(SEND, { kind: 'command', recipients: 'reachable', replica: 0 }),
          planned(KILL, { kind: 'kill', replica: 0 }),
        ],
        ops: [op(SEND, 100), op(KILL, at)],
        relays: [relay([makeBatch(0, { status: 'unknown', dispatchedAt: 1_000 })], { status: 'unknown' })],
      });
    // Between the mark and the request leaving: nobody can know whether it left.
    expect(run(storeMatchesFxiaoke, killedAt(1_050))).toEqual([]);
    // Marked long before the kill, as a call marked before its wait for the budget was: found.
    expect(run(storeMatchesFxiaoke, killedAt(6_000))).toHaveLength(1);
    // Killed before the mark: found.
    expect(run(storeMatchesFxiaoke, killedAt(900))).toHaveLength(1);
    // And the sender's "may or may not have arrived" after that kill is true as well.
    const told = { ...killedAt(1_050), statements: [said('dm', 5000, ['maybe'])] };
    expect(run(statementsTrue, told)).toEqual([]);
    expect(run(statementsTrue, { ...told, ...killedAt(6_000), statements: told.statements })).toHaveLength(1);
  });

  it('catches "failed" for a text that reached its recipients, and "revoked" for a live one', () => {
    const failed = history({
      relays: [relay([makeBatch(0, { status: 'failed', recipients: ['FSUID_A'] })], { status: 'failed' })],
      fxMessages: [message(0, 1000)],
    });
    expect(run(storeMatchesFxiaoke, failed)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('is "failed" but it reached Fxiaoke') }),
    ]);
    const revoked = history({
      relays: [relay([makeBatch(0, { status: 'revoked', messageId: 'm-0-1000' })], { status: 'revoked' })],
      fxMessages: [message(0, 1000)],
    });
    expect(run(storeMatchesFxiaoke, revoked)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('still shows') }),
    ]);
  });

  it('checks earlier versions too: an old copy recorded as taken back must be revoked', () => {
    const h = history({
      relays: [
        relay([makeBatch(0, { status: 'sent', messageId: 'm-1-2000' })], {
          text: `${tagOf(SEND, 1)} new`,
          versions: [
            {
              number: 1,
              text: `${tagOf(SEND, 0)} old`,
              content: '',
              batches: [makeBatch(0, { status: 'revoked', messageId: 'm-0-1000' })],
              sentAt: 0,
              replacedAt: 0,
            },
          ],
        }),
      ],
      fxMessages: [message(0, 1000), message(1, 2000)],
    });
    expect(run(storeMatchesFxiaoke, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('earlier version (cx s1 e0)') }),
    ]);
  });
});

describe('working-state', () => {
  it('catches a relay left pending or revoking', () => {
    const h = history({ relays: [relay([makeBatch(0, { status: 'pending' })], { status: 'pending' })] });
    expect(run(workingState, h)).toEqual([
      expect.objectContaining({ rule: 'working-state', relayId: RELAY }),
    ]);
    expect(run(workingState, history({ relays: [relay([], { status: 'held' })] }))).toEqual([]);
  });
});

describe('delivery-recorded', () => {
  it('catches a message in Fxiaoke that no relay records (a lost link)', () => {
    expect(run(deliveryRecorded, history({ fxMessages: [message(0, 1000)] }))).toEqual([
      expect.objectContaining({ rule: 'delivery-recorded' }),
    ]);
    const kept = history({
      fxMessages: [message(0, 1000)],
      relays: [relay([makeBatch(0, { status: 'sent' })])],
    });
    expect(run(deliveryRecorded, kept)).toEqual([]);
  });
});

describe('statement-true', () => {
  it('catches "may or may not have arrived" when no call for it had reached Fxiaoke (issue 17: kill -9 while queued)', () => {
    const h = history({ statements: [said('dm', 5000, ['maybe'])] });
    expect(run(statementsTrue, h)).toEqual([
      expect.objectContaining({
        rule: 'statement-true',
        message: expect.stringContaining('cannot have arrived'),
      }),
    ]);
    expect(run(statementsTrue, { ...h, fxRequests: [sendCall(0, 4000, { fault: 'reset' })] })).toEqual([]);
    // A call that reached Fxiaoke only after the notice does not make it true.
    expect(run(statementsTrue, { ...h, fxRequests: [sendCall(0, 6000)] })).toHaveLength(1);
  });

  it('holds "may have arrived" to the version the notice shows (an update killed before its send)', () => {
    const h = history({
      statements: [said('dm', 5000, ['maybe'], { tags: [{ send: SEND, edit: 1 }] })],
      fxRequests: [sendCall(0, 1000)],
    });
    expect(run(statementsTrue, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('edit 1') }),
    ]);
  });

  it('catches "nothing was delivered" for a text that did reach Fxiaoke, whenever it arrived', () => {
    const h = history({
      statements: [said('response_url', 5000, ['not_delivered'])],
      fxMessages: [message(0, 9000)],
    });
    expect(run(statementsTrue, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('reached Fxiaoke') }),
    ]);
    expect(run(statementsTrue, { ...h, fxMessages: [] })).toEqual([]);
  });

  it('catches "delivered" before anything arrived and "revoked" while it is still shown', () => {
    const early = history({
      statements: [said('ephemeral', 500, ['delivered'])],
      fxMessages: [message(0, 1000)],
    });
    expect(run(statementsTrue, early)).toHaveLength(1);
    const live = history({
      statements: [said('response_url', 2000, ['revoked'])],
      fxMessages: [message(0, 1000)],
    });
    expect(run(statementsTrue, live)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('still showed') }),
    ]);
    const gone = history({
      statements: [said('response_url', 2000, ['revoked'])],
      fxMessages: [message(0, 1000, { revoked: true, revokedAt: 1500 })],
    });
    expect(run(statementsTrue, gone)).toEqual([]);
  });

  it('catches "the old copy stays in Fxiaoke" when Fxiaoke had revoked it (a lost revoke answer during an update)', () => {
    const h = history({
      statements: [said('dm', 5000, ['live'])],
      fxMessages: [message(0, 1000, { revoked: true, revokedAt: 3000 })],
    });
    expect(run(statementsTrue, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('was in Fxiaoke then') }),
    ]);
    const revokedLater = { ...h, fxMessages: [message(0, 1000, { revoked: true, revokedAt: 6000 })] };
    expect(run(statementsTrue, revokedLater)).toEqual([]);
  });

  it('lets a retry answer "nothing was taken, try again": the same request delivered again and taken may send it', () => {
    const notTaken = said('ack', 2000, ['not_delivered'], {
      op: SEND,
      claims: [{ kind: 'not_delivered', phrase: 'not taken' }],
    });
    const h = history({ statements: [notTaken], fxMessages: [message(0, 9000)] });
    expect(run(statementsTrue, h)).toHaveLength(1);
    const retried = { ...h, deliveries: [delivery(SEND, { sentAt: 3000 })] };
    expect(run(statementsTrue, retried)).toEqual([]);
    // Only the same request counts: a later edit of the message acked 200 does not.
    const edited = { ...h, deliveries: [delivery(SEND, { sentAt: 3000, what: 'event message_changed' })] };
    expect(run(statementsTrue, edited)).toHaveLength(1);
  });

  it('holds "Updated in Fxiaoke: the new text (version 2) was sent" to that version', () => {
    const updated = relay([makeBatch(0, { status: 'failed' })], {
      status: 'failed',
      text: `${tagOf(SEND, 1)} new`,
      versions: [
        { number: 1, text: `${tagOf(SEND, 0)} old`, content: '', batches: [], sentAt: 0, replacedAt: 0 },
      ],
    });
    const claim: Claim = { kind: 'delivered', relayId: RELAY, phrase: 'Updated in Fxiaoke', version: 2 };
    const h = history({
      relays: [updated],
      statements: [said('dm', 5000, [], { claims: [claim], tags: [] })],
      fxMessages: [message(0, 1000, { revoked: true, revokedAt: 4000 })],
    });
    expect(run(statementsTrue, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('edit 1') }),
    ]);
    expect(run(statementsTrue, { ...h, fxMessages: [...h.fxMessages, message(1, 4500)] })).toEqual([]);
  });

  it('does not count what Slack never showed (a response_url used up)', () => {
    const h = history({ statements: [said('response_url', 5000, ['maybe'], { heard: false })] });
    expect(run(statementsTrue, h)).toEqual([]);
  });
});

describe('receipt-true', () => {
  it('catches a receipt that says Sent at the end while Fxiaoke has revoked it (issue 17: "✅ Sent" again)', () => {
    const h = history({
      statements: [said('receipt', 20_000, ['delivered'], { receipt: 'C0TEST:1.1' })],
      fxMessages: [message(0, 1000, { revoked: true, revokedAt: 1500 })],
    });
    expect(run(receiptsTrue, h)).toEqual([expect.objectContaining({ rule: 'receipt-true' })]);
    expect(run(receiptsTrue, { ...h, fxMessages: [message(0, 1000)] })).toEqual([]);
  });

  it('catches a receipt still saying "Sending…" after everything settled', () => {
    const h = history({ statements: [said('receipt', 20_000, ['in_progress'], { receipt: 'C0TEST:1.1' })] });
    expect(run(receiptsTrue, h)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('still says') }),
    ]);
  });
});

describe('ack-answered and last-word-final', () => {
  const acked = { ops: [op(SEND, 100, [0])], deliveries: [delivery(SEND)] };

  it('catches an acked request nobody answered (never neither)', () => {
    expect(run(acksAnswered, history(acked))).toEqual([
      expect.objectContaining({ rule: 'ack-answered', op: SEND }),
    ]);
    expect(
      run(acksAnswered, history({ ...acked, statements: [said('receipt', 20_000, ['delivered'])] })),
    ).toEqual([]);
  });

  it('asks nothing of a request that was never acked', () => {
    expect(
      run(
        acksAnswered,
        history({ ops: [op(SEND, 100, [0])], deliveries: [delivery(SEND, { status: undefined })] }),
      ),
    ).toEqual([]);
  });

  it('catches "Queued" as the last word a sender heard (issue 17: silent after the response_url expired)', () => {
    const queued = history({
      ...acked,
      statements: [
        said('response_url', 1000, ['in_progress'], { op: SEND }),
        said('response_url', 9000, ['not_delivered'], { op: SEND, heard: false }),
      ],
    });
    expect(run(acksAnswered, queued)).toEqual([expect.objectContaining({ rule: 'last-word-final' })]);
    // A Revoke's "still being sent" is the Revoke's answer, not the send's last word.
    const revokeAnswer = said('response_url', 9600, ['in_progress'], { op: 5 });
    const toldThenRevoked = {
      ...queued,
      relays: [relay([makeBatch(0, { status: 'failed' })], { status: 'failed' })],
      statements: [...queued.statements, said('dm', 9500, ['not_delivered']), revokeAnswer],
    };
    expect(run(acksAnswered, toldThenRevoked)).toEqual([]);
    const told = {
      ...queued,
      relays: [relay([makeBatch(0, { status: 'failed' })], { status: 'failed' })],
      statements: [...queued.statements, said('dm', 9500, ['not_delivered'])],
    };
    expect(run(acksAnswered, told)).toEqual([]);
  });
});

describe('busy-500', () => {
  it('catches an event answered HTTP 500 while the store was up (issue 17: a busy relay answers 500)', () => {
    const edit = planned(2, { kind: 'edit', target: SEND, replica: 0, delayMs: 0 });
    const h = history({
      plan: [...history({}).plan, edit],
      deliveries: [
        delivery(2, { what: 'event message_changed', status: 500 }),
        delivery(2, { what: 'event message_changed', attempt: 1 }),
      ],
    });
    expect(run(noBusy500, h)).toEqual([expect.objectContaining({ rule: 'busy-500', op: 2, send: SEND })]);
    const outage = { ...h, deliveries: h.deliveries.map((d) => ({ ...d, storeUp: false })) };
    expect(run(noBusy500, outage)).toEqual([]);
  });
});

describe('check', () => {
  it('finds nothing in a truthful story: sent, receipt, revoked, told', () => {
    const h = history({
      ops: [op(SEND, 100, [0])],
      deliveries: [delivery(SEND)],
      fxRequests: [sendCall(0, 900)],
      fxMessages: [message(0, 1000, { messageId: 'm1', revoked: true, revokedAt: 3000 })],
      relays: [
        relay([makeBatch(0, { status: 'revoked', messageId: 'm1', recipients: ['FSUID_A'] })], {
          status: 'revoked',
        }),
      ],
      statements: [
        said('response_url', 800, ['in_progress'], { op: SEND }),
        said('ephemeral', 1100, ['delivered']),
        said('response_url', 3100, ['revoked']),
        said('receipt', 20_000, ['revoked'], { receipt: 'C0TEST:1.1' }),
      ],
    });
    expect(check(h)).toEqual([]);
  });
});
