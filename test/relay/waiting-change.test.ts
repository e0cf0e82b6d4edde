/** The pure rules of a waiting change: ordering Slack timestamps and edits, and when a burst is due. */
import { describe, expect, it } from 'vitest';
import {
  compareSlackTs,
  dueAt,
  isNewerEdit,
  MAX_BURST_QUIET_PERIODS,
  newestEdit,
  withEdit,
} from '../../src/relay/waiting-change.js';

describe('compareSlackTs', () => {
  it('orders by seconds, then by the fraction as microseconds, whatever its written length', () => {
    expect(compareSlackTs('1700000600.000000', '1700000599.999999')).toBeGreaterThan(0);
    expect(compareSlackTs('1700000600.000100', '1700000600.000099')).toBeGreaterThan(0);
    expect(compareSlackTs('1700000600.1', '1700000600.099999')).toBeGreaterThan(0);
    expect(compareSlackTs('1700000600', '1700000600.000000')).toBe(0);
    expect(compareSlackTs('999999999.000000', '1000000000.000000')).toBeLessThan(0);
  });
});

describe('isNewerEdit', () => {
  it('orders by edited.ts, then within a second by event_ts; equal is not newer', () => {
    const mark = { editedTs: '1700000600.000000', eventTs: '1700000600.000500' };
    expect(isNewerEdit({ editedTs: '1700000601.000000', eventTs: '1700000601.000001' }, mark)).toBe(true);
    expect(isNewerEdit({ editedTs: '1700000600.000000', eventTs: '1700000600.000501' }, mark)).toBe(true);
    expect(isNewerEdit({ editedTs: '1700000600.000000', eventTs: '1700000600.000499' }, mark)).toBe(false);
    expect(isNewerEdit({ ...mark }, mark)).toBe(false);
    expect(isNewerEdit({ editedTs: '1700000599.000000', eventTs: '1700000601.000000' }, mark)).toBe(false);
  });

  it('takes an edit as newest when nothing was recorded yet, or when Slack gave it no time', () => {
    expect(isNewerEdit({ editedTs: '1.000000' }, undefined)).toBe(true);
    expect(isNewerEdit(undefined, { editedTs: '1700000600.000000' })).toBe(true);
    expect(isNewerEdit({}, { editedTs: '1700000600.000000' })).toBe(true);
    // Such an edit does not move the mark.
    expect(newestEdit({ editedTs: '5.000000' }, {})).toEqual({ editedTs: '5.000000' });
    expect(newestEdit({ editedTs: '5.000000' }, { editedTs: '6.000000' })).toEqual({ editedTs: '6.000000' });
  });
});

describe('dueAt', () => {
  it('is the quiet period after the last edit, at most a fixed number of quiet periods after the first', () => {
    const first = withEdit(undefined, 'a', undefined, 1_000);
    expect(dueAt(first, 3_000)).toBe(4_000);
    const later = withEdit(first, 'b', undefined, 2_500);
    expect(later).toMatchObject({ text: 'b', edits: 2, firstAt: 1_000, lastAt: 2_500 });
    expect(dueAt(later, 3_000)).toBe(5_500);
    const endless = { ...later, lastAt: 1_000 + MAX_BURST_QUIET_PERIODS * 3_000 };
    expect(dueAt(endless, 3_000)).toBe(1_000 + MAX_BURST_QUIET_PERIODS * 3_000);
    expect(dueAt({ kind: 'delete', edits: 0, firstAt: 7, lastAt: 9 }, 3_000)).toBe(9);
  });
});
