/**
 * Acting on a recorded change of a Slack message once it is due (waiting-change.ts says when).
 * Any process may: the presenter's timer in the process that recorded it, the takeover sweep of
 * any process once that one is gone. Acting is one compare-and-set from the state that was read,
 * so the change is acted on once, by whoever gets there first.
 *
 * - `actOnWaiting`: the change turned into the work sync.ts would have started for it at once — a
 *   question (`syncing`), an update or a revoke (`revoking`) — or nothing (the text is the relayed
 *   one again, the relay has no copy any more), or "look again in n ms" (not quiet yet, or busy).
 * - `handOverWaiting`: a change recorded beside work is handed over by the work's last write
 *   (finish-work.ts): the relay goes `changed` without a lease, which is anyone's (lease.ts
 *   isAbandoned), so a takeover sweep finds it should the processes involved be gone. This is the
 *   check after work that ended otherwise.
 */

import type { RelayDeps } from './deps.js';
import { handedOver } from './finish-work.js';
import { isAbandoned, leaseForMe } from './lease.js';
import { actingStatus, isBusy, isInWork, workOf } from './lifecycle.js';
import { StoreConflictError } from './ports/store-errors.js';
import type { SyncDeps, SyncIntake } from './sync.js';
import { type Plan, planDelete, planEdit } from './sync-plan.js';
import type { RelayChange, RelayRecord, WaitingChange } from './types.js';
import { dueAt, unchangedSince, wakeInMs } from './waiting-change.js';

/** Acting on a change: recording it, and telling whose lease it is under (lease.ts). */
type WaitingDeps = SyncDeps & Pick<RelayDeps, 'exclusiveStore' | 'siblings' | 'log'>;

/** Writes that met another write in between are tried again this many times (then: look again later). */
const RETRIES = 5;

/** The change waiting on relay `relayId`, acted on if it is due and the relay is free. */
export async function actOnWaiting(deps: WaitingDeps, relayId: string, attempt = 0): Promise<SyncIntake> {
  const found = await deps.store.findById(relayId);
  const waiting = found?.slackChanges?.waiting;
  if (!found || !waiting) return { type: 'ignored', reason: 'no change waiting', relayId };
  if (isBusy(found)) return { type: 'waiting', record: found, wakeInMs: wakeInMs(deps, found) };
  const { lease } = found;
  // Recorded as the relay's work (`changed`), or beside work that ended without handing it over.
  const following = workOf(found).type === 'following';
  if (following && lease && lease.owner !== deps.instanceId && !isAbandoned(deps, found, 0))
    return { type: 'ignored', reason: 'another process holds the change', relayId };

  const notYet = dueAt(waiting, deps.settings.sync.quietMs) - deps.now();
  if (notYet > 0 && following) return { type: 'waiting', record: found, wakeInMs: notYet };
  const acting = { ...found, status: actingStatus(found) };
  const plan: Plan | undefined = notYet > 0 ? undefined : planWaiting(deps, acting, waiting);
  const { waiting: _acted, ...kept } = found.slackChanges ?? {};
  let change: RelayChange;
  if (!plan) {
    // Free, not due, and not `changed`: its worker stopped before handing it over. Recorded now.
    change = {
      status: 'changed',
      lease: leaseForMe(deps),
      slackChanges: { ...found.slackChanges, waiting: { ...waiting, previousStatus: found.status } },
    };
  } else if ('reason' in plan) {
    change = {
      ...(following ? { status: acting.status, lease: undefined } : {}),
      slackChanges: kept,
    };
  } else {
    change = {
      ...plan.change,
      lease: leaseForMe(deps),
      sync: { ...plan.sync, seenEvents: found.sync?.seenEvents ?? [] },
      slackChanges: kept,
    };
  }
  try {
    const record = await deps.store.update(found.id, change, (current) => unchangedSince(current, found));
    if (!plan) return { type: 'waiting', record, wakeInMs: notYet };
    if ('reason' in plan) return { type: 'ignored', reason: plan.reason, relayId };
    deps.log.info(
      { relayId, change: waiting.kind, edits: waiting.edits, work: plan.type },
      'acting on a change of the Slack message',
    );
    return { type: plan.type, record } as SyncIntake;
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    // Another write came first (a newer edit, a click, another replica): read it again.
    if (attempt >= RETRIES) return { type: 'waiting', record: error.current, wakeInMs: 0 };
    return actOnWaiting(deps, relayId, attempt + 1);
  }
}

function planWaiting(
  deps: Pick<RelayDeps, 'settings' | 'now'>,
  acting: RelayRecord,
  waiting: WaitingChange,
): Plan {
  const mode = waiting.kind === 'edit' ? deps.settings.sync.edits : deps.settings.sync.deletes;
  if (mode === 'off') return { reason: `sync.${waiting.kind}s is off` };
  if (waiting.kind === 'delete') return planDelete(deps, acting, mode);
  const edit = waiting.edit ? { edit: waiting.edit } : {};
  return planEdit(deps, acting, { text: waiting.text ?? acting.text, ...edit, edits: waiting.edits }, mode);
}

/**
 * After work on a relay: a change recorded beside it, now that the relay is free, becomes
 * `changed` without a lease — anyone's to act on. Nothing when there is none or the relay is
 * still in work; a conflict means someone else moved it on, which is as good.
 */
export async function handOverWaiting(deps: Pick<RelayDeps, 'store'>, relayId: string): Promise<void> {
  const found = await deps.store.findById(relayId);
  const waiting = found?.slackChanges?.waiting;
  if (!found || !waiting || isInWork(found.status)) return;
  try {
    await deps.store.update(found.id, handedOver(found), (current) => unchangedSince(current, found));
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
  }
}
