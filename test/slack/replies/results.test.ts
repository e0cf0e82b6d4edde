import { describe, expect, it } from 'vitest';
import { USAGE } from '../../../src/relay/grammar.js';
import type { RevokeOutcome } from '../../../src/relay/revoke.js';
import {
  describeError,
  duplicateText,
  recipientProblemsText,
  revokeOutcomeText,
  sendFailedText,
  traceIdsOf,
  usageText,
} from '../../../src/slack/replies/results.js';
import { makeBatch, makeRecord } from '../../store/records.js';

describe('describeError', () => {
  it('adds the errorCode and traceId when Fxiaoke gave them', () => {
    expect(describeError({ code: 30002, kind: 'quota', message: 'Quota used up.', traceId: 'E-1' })).toBe(
      'Quota used up. (errorCode 30002, traceId `E-1`)',
    );
  });

  it('says plainly when there is no traceId, and keeps an errorCode of 0', () => {
    expect(describeError({ kind: 'transport', message: 'Timed out.' })).toBe(
      'Timed out. (no traceId (Fxiaoke did not answer))',
    );
    expect(describeError({ code: 0, kind: 'unknown', message: 'Odd.', traceId: 'E-0' })).toBe(
      'Odd. (errorCode 0, traceId `E-0`)',
    );
  });
});

describe('sender answers', () => {
  it('lists every recipient problem, then the usage', () => {
    const text = recipientProblemsText([
      { input: 'marketing', reason: 'unknown' },
      { input: '@carol', reason: 'not mapped' },
    ]);
    expect(text).toContain('Nothing was sent');
    expect(text).toContain('• `marketing`: unknown\n• `@carol`: not mapped');
    expect(text.endsWith(USAGE)).toBe(true);
    expect(usageText('No message.')).toBe(`:warning: No message.\n\n${USAGE}`);
  });

  it('lists ten problems and counts the rest, quoting each input short and without backticks', () => {
    const problems = Array.from({ length: 30_000 }, (_, i) => ({ input: `nobody${i}`, reason: 'unknown' }));
    problems[0] = { input: `a\`b${'x'.repeat(5_000)}`, reason: 'unknown' };
    const text = recipientProblemsText(problems);
    expect(text.length).toBeLessThan(2_000);
    expect(text).toContain("• `a'bxxx");
    expect(text).toContain('…`: unknown');
    expect(text).toContain('• `nobody9`: unknown\n…and 29990 more');
    expect(text).not.toContain('nobody10`');
  });

  it('tells an unknown outcome from a refusal, with the traceId and relay id', () => {
    const error = { code: 30002, kind: 'quota', message: 'Quota used up.', traceId: 'E-Q' };
    const refused = sendFailedText(makeRecord({ id: 'rl_refused', status: 'failed', error }));
    expect(refused).toContain('nothing was delivered');
    expect(refused).toContain('traceId `E-Q`');
    expect(refused).toContain('Relay `rl_refused`');
    const unknown = sendFailedText(
      makeRecord({ status: 'unknown', error: { kind: 'transport_unknown', message: 'Timed out.' } }),
    );
    expect(unknown).toContain('*may or may not*');
    expect(unknown).toContain('cannot arrive twice');
  });

  it('says a relay not resumed in time after a restart was never sent, not that Fxiaoke refused it', () => {
    const expired = sendFailedText(
      makeRecord({
        id: 'rl_late',
        status: 'failed',
        error: {
          kind: 'expired',
          message: 'Not sent: fx-bridge could not resume this batch in time after it stopped.',
        },
      }),
    );
    expect(expired).toBe(
      ':x: Not sent: fx-bridge could not resume this batch in time after it stopped.\nRelay `rl_late`.',
    );
    expect(expired).not.toContain('Fxiaoke did not accept');
  });

  it('says a duplicate was not sent again', () => {
    expect(duplicateText(makeRecord({ id: 'rl_dup', status: 'sent' }))).toContain(
      'already handled as relay `rl_dup` (status: sent). It was not sent again.',
    );
  });

  it('collects the traceIds of the batches that have one', () => {
    const record = makeRecord({
      batches: [makeBatch(0, { traceId: 'E-0' }), makeBatch(1), makeBatch(2, { traceId: 'E-2' })],
    });
    expect(traceIdsOf(record)).toEqual(['E-0', 'E-2']);
  });
});

describe('revokeOutcomeText', () => {
  const record = makeRecord({
    id: 'rl_r',
    senderId: 'U0SENDER',
    recipients: ['FSUID_A', 'FSUID_B'],
    revokedBy: 'U0ADMIN',
    batches: [makeBatch(0, { revokeTraceId: 'E-R0' }), makeBatch(1, { revokeTraceId: 'E-R1' })],
  });
  const cases: [RevokeOutcome, string][] = [
    [{ type: 'not_found' }, 'nothing to revoke'],
    [{ type: 'forbidden', record }, 'Only <@U0SENDER> (who sent it) or an fx-bridge admin'],
    [{ type: 'already_revoked', record }, 'was already revoked by <@U0ADMIN>'],
    [{ type: 'in_progress', record: { ...record, status: 'revoking' } }, 'still being revoked'],
    [{ type: 'in_progress', record: { ...record, status: 'pending' } }, 'still being sent'],
    [{ type: 'nothing_sent', record }, 'never reached Fxiaoke'],
    [{ type: 'not_revocable', record, reason: 'no_service_account' }, 'FXIAOKE_SERVICE_ID'],
    [{ type: 'not_revocable', record, reason: 'no_message_id' }, 'returned no message id'],
    [{ type: 'revoked', record }, '(2 recipients). traceId `E-R0`, `E-R1`.'],
    [
      {
        type: 'revoke_failed',
        record,
        error: { code: -1, kind: 'transient', message: 'Busy.', traceId: 'E-B' },
      },
      'could not be fully revoked. Busy. (errorCode -1, traceId `E-B`)',
    ],
    [
      {
        type: 'revoke_failed',
        record,
        error: {
          kind: 'outcome_unknown',
          message:
            'Everything revocable was revoked, but not 1 batch whose delivery Fxiaoke never confirmed: those cannot be revoked.',
        },
      },
      'never confirmed: those cannot be revoked. (revoke traceId `E-R0`, `E-R1`)',
    ],
  ];
  for (const [outcome, fragment] of cases) {
    it(`${outcome.type}: says “${fragment}”`, () => {
      expect(revokeOutcomeText(outcome)).toContain(fragment);
    });
  }
});

describe('revokeOutcomeText after a revoke whose answer was lost', () => {
  it('never says plainly that it failed while the lost revoke may have landed', () => {
    const error = {
      kind: 'revoke_uncertain',
      code: 90409,
      traceId: 'E-LATER',
      message: 'Unknown code. An earlier revoke whose answer was lost may already have worked.',
    };
    const record = makeRecord({
      id: 'rl_u',
      status: 'sent',
      batches: [makeBatch(0, { status: 'sent', messageId: 'm', revokeError: error })],
    });
    const text = revokeOutcomeText({ type: 'revoke_failed', record, error });
    expect(text).toMatch(/^:grey_question: Relay `rl_u` may or may not have been revoked\./);
    expect(text).toContain('may already have worked');
    expect(text).toContain('(errorCode 90409, traceId `E-LATER`)');
    expect(text).not.toContain('could not be fully revoked');
  });
});
