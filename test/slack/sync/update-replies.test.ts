/**
 * The answer to an update says what happened to each of its two halves: the new text (sent, partly,
 * unconfirmed, not delivered) and the old copy (taken back, kept, or unsettled after a lost revoke
 * answer). Pure rendering; the chaos scenarios `update-not-delivered` and `lost-update-revoke-answer`
 * check the same answers against a real bridge and the emulator.
 */
import { describe, expect, it } from 'vitest';
import { REVOKE_UNCERTAIN } from '../../../src/relay/copies.js';
import type { RelayBatch, RelayRecord, RelayVersion } from '../../../src/relay/types.js';
import { updateOutcomeReply } from '../../../src/slack/sync/replies.js';
import { makeBatch, makeRecord } from '../../store/records.js';

const uncertainOld = (): RelayBatch =>
  makeBatch(0, {
    status: 'sent',
    messageId: 'm1',
    revokeError: { kind: REVOKE_UNCERTAIN, message: 'answer lost', code: 90409 },
  });

function updated(status: RelayRecord['status'], batches: RelayBatch[], old: RelayBatch[]): RelayRecord {
  const version: RelayVersion = {
    number: 1,
    text: 'old',
    content: 'old',
    batches: old,
    sentAt: 0,
    replacedAt: 1,
  };
  return makeRecord({ status, batches, versions: [version] });
}

describe('the answer to an update', () => {
  it('is "Updated" only when the new text was sent', () => {
    const sent = updated(
      'sent',
      [makeBatch(0, { status: 'sent', messageId: 'm2' })],
      [makeBatch(0, { status: 'revoked' })],
    );
    expect(updateOutcomeReply({ type: 'updated', record: sent, keptOld: 0 }).text).toMatch(
      /^:white_check_mark: Updated in Fxiaoke: the new text \(version 2\) was sent to 1 person.*The old copy was taken back\./,
    );
    const failed = updated(
      'failed',
      [makeBatch(0, { status: 'failed' })],
      [makeBatch(0, { status: 'revoked' })],
    );
    const failedText = updateOutcomeReply({ type: 'updated', record: failed, keptOld: 0 }).text;
    expect(failedText).not.toContain('Updated in Fxiaoke');
    expect(failedText).toMatch(/^:x: Not updated: the new text \(version 2\) was not delivered/);
    expect(failedText).toContain('recipients have neither text now');
    const unknown = updated(
      'unknown',
      [makeBatch(0, { status: 'unknown' })],
      [makeBatch(0, { status: 'revoked' })],
    );
    const unknownText = updateOutcomeReply({ type: 'updated', record: unknown, keptOld: 0 }).text;
    expect(unknownText).not.toContain('Updated in Fxiaoke');
    expect(unknownText).toContain('*may or may not* have reached the 1 person');
  });

  it('never says the old copy stays when its revoke answer was lost', () => {
    const record = updated('sent', [makeBatch(0, { status: 'sent', messageId: 'm2' })], [uncertainOld()]);
    const text = updateOutcomeReply({ type: 'updated', record, keptOld: 1 }).text;
    expect(text).not.toContain('stays in Fxiaoke');
    expect(text).toContain("Fxiaoke's answer to the revoke of the old copy was lost: it may already be gone");

    const asked = updateOutcomeReply({
      type: 'needs_second_copy',
      record: makeRecord({ status: 'sent', batches: [uncertainOld()] }),
      reason: 'revoke_uncertain',
      offerId: 'of_1',
      error: { kind: REVOKE_UNCERTAIN, message: 'Revoke again to settle it.', code: 90409, traceId: 'E-9' },
    });
    expect(asked.text).not.toContain('stays in Fxiaoke');
    expect(asked.text).not.toContain('Revoke again');
    expect(asked.text).toContain('a revoke may or may not have taken effect');
    expect(asked.text).toContain('(code 90409, traceId `E-9`)');
    expect(JSON.stringify(asked.blocks)).toContain('Send the new text anyway');
  });
});
