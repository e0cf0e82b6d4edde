import { describe, expect, it } from 'vitest';
import { failureOf, statusFromBatches } from '../../src/relay/copies.js';
import type { BatchStatus, RelayError, RelayStatus } from '../../src/relay/types.js';
import { makeBatch } from '../store/records.js';
import { FakeFxiaoke } from './fake-fxiaoke.js';

function batches(...statuses: BatchStatus[]) {
  return statuses.map((status, index) => makeBatch(index, { status }));
}

describe('statusFromBatches', () => {
  const table: [BatchStatus[], RelayStatus][] = [
    [['sent'], 'sent'],
    [['sent', 'sent', 'sent'], 'sent'],
    [['pending'], 'pending'],
    [['sent', 'pending'], 'pending'],
    [['failed', 'pending'], 'pending'],
    [['failed'], 'failed'],
    [['failed', 'failed'], 'failed'],
    [['unknown'], 'unknown'],
    [['unknown', 'failed'], 'unknown'],
    [['sent', 'failed'], 'partial'],
    [['sent', 'unknown'], 'partial'],
    [['failed', 'sent', 'failed'], 'partial'],
    [['revoked'], 'revoked'],
    [['revoked', 'failed'], 'revoked'],
    [['revoked', 'sent'], 'sent'],
    [['revoked', 'unknown'], 'partial'],
    [['revoked', 'sent', 'failed'], 'partial'],
  ];
  for (const [statuses, expected] of table) {
    it(`[${statuses.join(', ')}] → ${expected}`, () => {
      expect(statusFromBatches(batches(...statuses))).toBe(expected);
    });
  }

  it('calls a relay without batches sent (nothing to contradict it)', () => {
    // Documented as questionable in the report: see send.test.ts, empty recipient list.
    expect(statusFromBatches([])).toBe('sent');
  });
});

describe('failureOf', () => {
  /** What the relay records for something thrown that is not a failure of the Fxiaoke adapter. */
  const internalError = (thrown: unknown): RelayError => failureOf(new FakeFxiaoke(), thrown).error;

  it('hides anything that is not a FxiaokeError behind a generic internal error', () => {
    const relayError = internalError(new Error('secret token xoxb-123 leaked'));
    expect(relayError).toEqual({
      kind: 'internal',
      message: 'An unexpected error happened inside fx-bridge (see its logs).',
    });
    expect(internalError('a string').kind).toBe('internal');
    expect(internalError(undefined).kind).toBe('internal');
  });
});
