/**
 * The lifecycle table and `workOf`: the status sets the store and the use-cases act on, derived
 * from one table, and the work each kind of record is in, decoded in one place.
 */
import { describe, expect, it } from 'vitest';
import {
  actingStatus,
  IN_WORK,
  isBusy,
  isRevocable,
  LIFECYCLE,
  PRUNABLE_STATUSES,
  REVOCABLE_FROM,
  UPDATABLE_FROM,
  workOf,
} from '../../src/relay/lifecycle.js';
import { RELAY_STATUSES, type UpdateRequest, type WaitingChange } from '../../src/relay/types.js';
import { makeBatch, makeRecord } from '../store/records.js';

const update: UpdateRequest = {
  actorId: 'U0ADMIN',
  requestedAt: 1,
  text: 'new',
  secondCopy: false,
  via: 'button',
  previousStatus: 'partial',
};
const waiting: WaitingChange = {
  kind: 'edit',
  text: 'v2',
  edits: 3,
  firstAt: 1,
  lastAt: 2,
  previousStatus: 'partial',
};

describe('the lifecycle table', () => {
  it('has a row for every status', () => {
    expect(Object.keys(LIFECYCLE).sort()).toEqual([...RELAY_STATUSES].sort());
  });

  it('derives the sets the store, the takeover, revoke and update act on', () => {
    expect(IN_WORK).toEqual(['received', 'pending', 'revoking', 'syncing', 'changed']);
    expect(PRUNABLE_STATUSES).toEqual([
      'sent',
      'partial',
      'failed',
      'revoked',
      'unknown',
      'held',
      'cancelled',
      'confirmed',
    ]);
    expect(REVOCABLE_FROM).toEqual(['sent', 'partial', 'unknown']);
    expect(UPDATABLE_FROM).toEqual(['sent', 'partial']);
  });

  it('never lets retention delete work in progress, and never starts a revoke or update on it', () => {
    for (const status of IN_WORK) {
      expect(PRUNABLE_STATUSES, status).not.toContain(status);
      expect(REVOCABLE_FROM, status).not.toContain(status);
      expect(UPDATABLE_FROM, status).not.toContain(status);
    }
    // Everything at rest goes once old.
    expect([...IN_WORK, ...PRUNABLE_STATUSES].sort()).toEqual([...RELAY_STATUSES].sort());
  });
});

describe('workOf', () => {
  it('decodes the work of each kind of record', () => {
    expect(workOf(makeRecord({ status: 'sent' }))).toEqual({ type: 'idle', status: 'sent' });
    expect(workOf(makeRecord({ status: 'held' }))).toEqual({ type: 'idle', status: 'held' });
    expect(workOf(makeRecord({ status: 'received' }))).toEqual({ type: 'intake' });
    expect(workOf(makeRecord({ status: 'pending' }))).toEqual({ type: 'sending' });
    expect(
      workOf(
        makeRecord({
          status: 'revoking',
          revokeRequest: { actorId: 'U0ADMIN', requestedAt: 1, previousStatus: 'unknown' },
        }),
      ),
    ).toEqual({ type: 'revoking', actorId: 'U0ADMIN', previousStatus: 'unknown' });
    // A claim written before revoke requests were recorded: its sender hears the outcome.
    expect(workOf(makeRecord({ status: 'revoking', senderId: 'U0SENDER' }))).toEqual({
      type: 'revoking',
      actorId: 'U0SENDER',
      previousStatus: undefined,
    });
  });

  it('tells an update from a revoke or a send, at each of its two steps', () => {
    expect(workOf(makeRecord({ status: 'revoking', updateRequest: update }))).toEqual({
      type: 'updating',
      step: 'revoking_old',
      request: update,
    });
    expect(workOf(makeRecord({ status: 'pending', updateRequest: update }))).toEqual({
      type: 'updating',
      step: 'sending_new',
      request: update,
    });
    // A revoke claimed after an update whose request was left open (a stop before it was closed).
    const revoke = { actorId: 'U0SENDER', requestedAt: 2, previousStatus: 'sent' as const };
    expect(workOf(makeRecord({ status: 'revoking', updateRequest: update, revokeRequest: revoke }))).toEqual({
      type: 'revoking',
      actorId: 'U0SENDER',
      previousStatus: 'sent',
    });
    // Once the new text went out the request is closed; a request left over decodes to nothing.
    expect(workOf(makeRecord({ status: 'sent', updateRequest: update }))).toEqual({
      type: 'idle',
      status: 'sent',
    });
  });

  it('asking returns to the status before the question; following acts from the status before the change', () => {
    const offer = { id: 'of_1', kind: 'edit' as const, offeredAt: 1, previousStatus: 'partial' as const };
    expect(workOf(makeRecord({ status: 'syncing', sync: { seenEvents: [], offer } }))).toEqual({
      type: 'asking',
      offer,
      returnsTo: 'partial',
    });
    const changed = makeRecord({ status: 'changed', slackChanges: { waiting } });
    expect(workOf(changed)).toEqual({ type: 'following', change: waiting, actsFrom: 'partial' });
    expect(actingStatus(changed)).toBe('partial');
    expect(actingStatus(makeRecord({ status: 'syncing' }))).toBe('syncing');
  });

  it('counts a relay busy while it is worked on, not while its change waits', () => {
    expect(isBusy(makeRecord({ status: 'pending' }))).toBe(true);
    expect(isBusy(makeRecord({ status: 'syncing' }))).toBe(true);
    expect(isBusy(makeRecord({ status: 'changed', slackChanges: { waiting } }))).toBe(false);
    expect(isBusy(makeRecord({ status: 'sent' }))).toBe(false);
  });
});

describe('isRevocable', () => {
  const out = [makeBatch(0, { status: 'sent', messageId: 'm-0' })];

  it('judges a relay with a change waiting by the status it acts from', () => {
    expect(isRevocable(makeRecord({ status: 'changed', batches: out, slackChanges: { waiting } }))).toBe(
      true,
    );
    const fromFailed = { waiting: { ...waiting, previousStatus: 'failed' as const } };
    expect(isRevocable(makeRecord({ status: 'changed', batches: out, slackChanges: fromFailed }))).toBe(
      false,
    );
  });

  it('needs a copy a revoke could take back', () => {
    expect(isRevocable(makeRecord({ status: 'sent', batches: out }))).toBe(true);
    expect(isRevocable(makeRecord({ status: 'sent', batches: out, serviceId: undefined }))).toBe(false);
    expect(isRevocable(makeRecord({ status: 'pending', batches: out }))).toBe(false);
  });
});
