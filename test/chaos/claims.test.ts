/**
 * The chaos checker reads what users read: each sentence the bridge renders (taken from the
 * bridge's own presenters, so a reworded answer breaks this test rather than the campaign's
 * judgement) is read as the claim a person would take from it.
 */
import { describe, expect, it } from 'vitest';
import { classifyAnswer, classifyReceipt } from '../../bench/chaos/claims.js';
import { blockTexts } from '../../bench/chaos/facts.js';
import type { ClaimKind } from '../../bench/chaos/history.js';
import { STOPPED_SEND_TEXT } from '../../src/relay/error-text.js';
import { newRelayId } from '../../src/relay/ids.js';
import { INTERRUPTED } from '../../src/relay/takeover.js';
import type { RelayRecord } from '../../src/relay/types.js';
import {
  INSTALLATION_UNAVAILABLE,
  NOT_INSTALLED,
  TENANT_UNAVAILABLE,
} from '../../src/slack/installs/texts.js';
import { internalErrorText, NOT_TAKEN_TEXT } from '../../src/slack/jobs/answer.js';
import { renderRecoveryNotice } from '../../src/slack/jobs/notify-recovered.js';
import { queuedText } from '../../src/slack/receipt/tracker.js';
import { renderReceipt } from '../../src/slack/receipt/view.js';
import { heldMessage, heldOutcomeText } from '../../src/slack/replies/held.js';
import {
  duplicateText,
  recipientProblemsText,
  revokeOutcomeText,
  sendFailedText,
} from '../../src/slack/replies/results.js';
import { dismissOutcomeText, editQuestion, updateOutcomeReply } from '../../src/slack/sync/replies.js';
import { makeBatch, makeRecord } from '../store/records.js';

function relay(overrides: Partial<RelayRecord> = {}): RelayRecord {
  return makeRecord({ id: newRelayId(), text: '(cx s3 e0) quote ready', ...overrides });
}

const sent = () =>
  relay({ status: 'sent', batches: [makeBatch(0, { status: 'sent', messageId: 'm1', traceId: 'E-1' })] });

function kinds(text: string): ClaimKind[] {
  const { claims, unclassified } = classifyAnswer(text);
  expect(unclassified).toEqual([]);
  return claims.map((claim) => claim.kind);
}

/** The receipt's status line, as facts.ts finds it among the blocks. */
function receiptKind(record: RelayRecord): ClaimKind | undefined {
  const status = blockTexts(renderReceipt(record).blocks).find((line) => line.includes('· relay `')) ?? '';
  const { claims } = classifyReceipt(status, record.id);
  expect(claims[0]?.relayId).toBe(record.id);
  return claims[0]?.kind;
}

describe('what a receipt says', () => {
  it('reads each status the receipt can show', () => {
    expect(receiptKind(sent())).toBe('delivered');
    expect(receiptKind(relay({ status: 'failed', batches: [makeBatch(0, { status: 'failed' })] }))).toBe(
      'not_delivered',
    );
    expect(receiptKind(relay({ status: 'unknown', batches: [makeBatch(0, { status: 'unknown' })] }))).toBe(
      'maybe',
    );
    expect(receiptKind(relay({ status: 'revoked', batches: [makeBatch(0, { status: 'revoked' })] }))).toBe(
      'revoked',
    );
    expect(receiptKind(relay({ status: 'pending', batches: [makeBatch(0)] }))).toBe('in_progress');
    const uncertain = relay({
      status: 'sent',
      batches: [
        makeBatch(0, {
          status: 'sent',
          messageId: 'm1',
          revokeError: { kind: 'revoke_uncertain', message: 'lost' },
        }),
      ],
    });
    expect(receiptKind(uncertain)).toBe('revoke_uncertain');
  });
});

describe('what an answer says', () => {
  it('reads the outcomes of a send', () => {
    const record = sent();
    expect(kinds(`Relayed to Fxiaoke. ${renderReceipt(record).text}`)).toEqual(['delivered']);
    expect(
      kinds(sendFailedText(relay({ status: 'failed', error: { kind: 'x', message: 'refused' } }))),
    ).toEqual(['not_delivered']);
    expect(
      kinds(sendFailedText(relay({ status: 'unknown', batches: [makeBatch(0, { status: 'unknown' })] }))),
    ).toEqual(['maybe']);
    expect(kinds(STOPPED_SEND_TEXT)).toEqual(['not_delivered']);
    expect(kinds(NOT_TAKEN_TEXT)).toEqual(['not_delivered']);
    expect(kinds(recipientProblemsText([{ input: 'FSUID_X', reason: 'unknown' }]))).toEqual([
      'not_delivered',
    ]);
    expect(kinds(internalErrorText(record.id))).toEqual(['maybe']);
    // An internal error before any call: nothing there yet, the relay carried on by a takeover.
    expect(kinds(internalErrorText(record.id, false))).toEqual(['in_progress']);
    expect(kinds(queuedText({ waitMs: 3000, batchIndex: 0, batchCount: 1 }))).toEqual(['in_progress']);
    expect(kinds(duplicateText(record))).toEqual(['delivered']);
    expect(kinds(duplicateText(relay({ status: 'pending' })))).toEqual(['info']);
  });

  it('reads install mode’s refusals as answers that took nothing (a redelivery may still send)', () => {
    for (const text of [INSTALLATION_UNAVAILABLE, TENANT_UNAVAILABLE, NOT_INSTALLED]) {
      expect(kinds(text)).toEqual(['info']);
    }
  });

  it('reads held relays and their buttons', () => {
    const held = relay({ status: 'held', recipients: ['FSUID_A'] });
    expect(kinds(heldMessage(held, [{ input: 'FSUID_B', reason: 'left the company' }]).text)).toEqual([
      'held',
    ]);
    expect(kinds(heldOutcomeText({ type: 'cancelled', record: held }))).toEqual(['not_delivered']);
    expect(kinds(heldOutcomeText({ type: 'already_confirmed', record: held, relay: sent() }))).toEqual([
      'delivered',
    ]);
  });

  it('reads revoke answers, one claim per relay line', () => {
    const a = relay({
      status: 'revoked',
      batches: [makeBatch(0, { status: 'revoked', revokeTraceId: 'E-2' })],
    });
    const b = relay({ status: 'failed' });
    const text = [
      revokeOutcomeText({ type: 'revoked', record: a }),
      revokeOutcomeText({ type: 'nothing_sent', record: b }),
    ].join('\n');
    const { claims } = classifyAnswer(text);
    expect(claims).toEqual([
      expect.objectContaining({ kind: 'revoked', relayId: a.id }),
      expect.objectContaining({ kind: 'not_delivered', relayId: b.id }),
    ]);
    expect(kinds(revokeOutcomeText({ type: 'already_revoked', record: a }))).toEqual(['revoked']);
    expect(kinds(revokeOutcomeText({ type: 'in_progress', record: relay({ status: 'revoking' }) }))).toEqual([
      'in_progress',
    ]);
    expect(
      kinds(
        revokeOutcomeText({
          type: 'revoke_failed',
          record: sent(),
          error: {
            kind: 'revoke_uncertain',
            message: 'Fxiaoke may already have revoked it.',
            code: 50009,
            traceId: 'E',
          },
        }),
      ),
    ).toEqual(['info']);
    // The same failure after a revoke whose answer was lost: it may have landed.
    const lostAnswer = relay({
      status: 'sent',
      batches: [
        makeBatch(0, {
          status: 'sent',
          messageId: 'm1',
          revokeError: { kind: 'revoke_uncertain', message: 'lost' },
        }),
      ],
    });
    const error = { kind: 'revoke_uncertain', message: 'Fxiaoke may already have revoked it.', traceId: 'E' };
    expect(kinds(revokeOutcomeText({ type: 'revoke_failed', record: lostAnswer, error }))).toEqual([
      'revoke_uncertain',
    ]);
  });

  it('reads recovery notices by their counts', () => {
    const interrupted = relay({
      status: 'unknown',
      batches: [
        makeBatch(0, { status: 'unknown', error: { kind: INTERRUPTED, message: 'may have been delivered' } }),
      ],
    });
    expect(kinds(renderRecoveryNotice(interrupted).text)).toEqual(['maybe']);
    const reached = relay({
      status: 'sent',
      batches: [makeBatch(0, { status: 'sent', messageId: 'm', error: { kind: INTERRUPTED, message: 'x' } })],
    });
    expect(kinds(renderRecoveryNotice(reached).text)).toEqual(['delivered']);
  });

  it('reads updates and questions', () => {
    const record = sent();
    expect(kinds(updateOutcomeReply({ type: 'updated', record, keptOld: 0 }).text)).toEqual(['delivered']);
    expect(
      classifyAnswer(updateOutcomeReply({ type: 'updated', record, keptOld: 0 }).text).claims[0]?.version,
    ).toBe(1);
    expect(kinds(updateOutcomeReply({ type: 'stale', record }).text)).toEqual(['info']);
    // "… has no copy in Fxiaoke to update. Nothing was sent." is about the click, not the relay.
    expect(kinds(updateOutcomeReply({ type: 'not_updatable', record }).text)).toEqual(['info']);
    expect(kinds(updateOutcomeReply({ type: 'unchanged', record }).text)).toEqual(['info']);
    // "Nothing new was sent … The old copy stays in Fxiaoke": a claim that the old copy is live.
    const refused = updateOutcomeReply({
      type: 'needs_second_copy',
      record,
      reason: 'revoke_refused',
      offerId: 'of_1',
      error: { kind: 'refused', code: 90409, message: 'message already revoked', traceId: 'E-3' },
    });
    expect(kinds(refused.text)).toEqual(['live']);
    // The old copy's revoke answer was lost: it may be gone, so no claim that it is live.
    const uncertain = updateOutcomeReply({
      type: 'needs_second_copy',
      record,
      reason: 'revoke_uncertain',
      offerId: 'of_1',
      error: { kind: 'revoke_uncertain', message: 'lost', traceId: 'E-3' },
    });
    expect(kinds(uncertain.text)).toEqual(['revoke_uncertain']);
    // The headline of an update follows its new text: not confirmed, not delivered, partly.
    const updatedAs = (status: RelayRecord['status'], batches: RelayRecord['batches']) => {
      const text = updateOutcomeReply({
        type: 'updated',
        record: { ...record, status, batches, versions: [version1] },
        keptOld: 0,
      }).text;
      expect(classifyAnswer(text).claims[0]?.version).toBe(2);
      return kinds(text);
    };
    const version1 = {
      number: 1,
      text: record.text,
      content: '',
      batches: record.batches,
      sentAt: 0,
      replacedAt: 1,
    };
    expect(updatedAs('unknown', [makeBatch(0, { status: 'unknown' })])).toEqual(['maybe']);
    expect(updatedAs('failed', [makeBatch(0, { status: 'failed' })])).toEqual(['not_delivered']);
    expect(
      updatedAs('partial', [
        makeBatch(0, { status: 'sent', messageId: 'm2' }),
        makeBatch(1, { status: 'failed' }),
      ]),
    ).toEqual(['delivered']);
    expect(kinds(dismissOutcomeText({ type: 'dismissed', record, kind: 'delete' }))).toEqual(['live']);
    expect(kinds(dismissOutcomeText({ type: 'dismissed', record, kind: 'edit' }))).toEqual(['info']);
    expect(
      kinds(editQuestion(record, { id: 'of_1', kind: 'edit', text: '(cx s3 e1) new', offeredAt: 0 }).text),
    ).toEqual(['info']);
  });

  it('leaves a sentence it does not know unclassified', () => {
    expect(classifyAnswer('Something entirely new happened').unclassified).toEqual([
      'Something entirely new happened',
    ]);
  });
});
