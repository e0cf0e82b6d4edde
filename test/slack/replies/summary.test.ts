import { describe, expect, it } from 'vitest';
import { RELAY_STATUSES, type RelayStatus } from '../../../src/relay/types.js';
import { statusLabel } from '../../../src/slack/replies/summary.js';
import { makeBatch, makeRecord } from '../../store/records.js';

describe('statusLabel', () => {
  it('tells held, cancelled and confirmed relays from relays that failed, by status alone', () => {
    const label = (status: RelayStatus) => statusLabel(makeRecord({ status, batches: [] }));
    expect(label('held')).toBe(
      ':pause_button: Held: some recipients cannot be reached; waiting for the sender',
    );
    expect(label('cancelled')).toBe(':pause_button: Held, then cancelled: nothing was sent');
    expect(label('confirmed')).toBe(':pause_button: Held, then sent to the recipients who could be reached');
    expect(label('failed')).toBe(':x: Not sent');
    // A held relay's explanation does not make a failed relay look held.
    expect(statusLabel(makeRecord({ status: 'failed', error: { kind: 'held', message: 'x' } }))).toBe(
      ':x: Not sent',
    );
    expect(new Set(RELAY_STATUSES.map(label)).size).toBe(RELAY_STATUSES.length);
  });
});

describe('statusLabel of a relay whose revoke answer was lost', () => {
  it('says the revoke may or may not have taken effect, not plainly "Sent"', () => {
    const revokeError = { kind: 'revoke_uncertain', code: 90409, message: 'x' };
    const record = makeRecord({
      status: 'sent',
      batches: [makeBatch(0, { status: 'sent', messageId: 'm', revokeError })],
    });
    expect(statusLabel(record)).toBe(':grey_question: Sent; a revoke may or may not have taken effect');
  });
});
