/**
 * A change of a relayed Slack message waiting to be acted on (`slackChanges.waiting`): how edits
 * are ordered, how a burst of them becomes one change, and when that change is due. Pure rules
 * over the record (and the clock); sync.ts records changes with them, sync-waiting.ts acts on them.
 *
 * - **The latest edit wins.** Edits are ordered by the message's `edited.ts` and, within one
 *   second (Slack's `edited.ts` has no finer grain), by the `event_ts` of their event — the time
 *   mautrix-slack orders edits by. An edit not newer than the newest one recorded
 *   (`slackChanges.newestEdit`) is stale: Slack redelivered it late, after a newer one.
 * - **A burst is one change.** Each edit replaces the waiting text and pushes the due time to
 *   `sync.quietMs` after it; a burst that never goes quiet is acted on after
 *   `MAX_BURST_QUIET_PERIODS` quiet periods anyway. A delete is due at once.
 */
import type { RelayDeps } from './deps.js';
import { isBusy } from './lifecycle.js';
import type { EditStamp, RelayRecord, WaitingChange } from './types.js';

/** A burst of edits that never goes quiet is acted on this many quiet periods after its first edit. */
export const MAX_BURST_QUIET_PERIODS = 10;

/** A change recorded beside work in progress is looked at again this often until the relay is free. */
export const BUSY_RECHECK_MS = 1_000;

/** Orders two Slack timestamps (`1700000500.000100`): negative, zero or positive. */
export function compareSlackTs(a: string, b: string): number {
  const [aSeconds = '', aFraction = ''] = a.split('.');
  const [bSeconds = '', bFraction = ''] = b.split('.');
  const bySeconds = Number(aSeconds) - Number(bSeconds);
  if (bySeconds !== 0 || Number.isNaN(bySeconds)) return bySeconds || 0;
  return Number(aFraction.padEnd(6, '0')) - Number(bFraction.padEnd(6, '0')) || 0;
}

/**
 * Whether `edit` was made after `than`. An edit Slack gave no time for cannot be ordered: it counts
 * as newest (it is what the event says the message is now), without moving the mark.
 */
export function isNewerEdit(edit: EditStamp | undefined, than: EditStamp | undefined): boolean {
  if (!than || !edit || (edit.editedTs === undefined && edit.eventTs === undefined)) return true;
  if (edit.editedTs !== undefined && than.editedTs !== undefined) {
    const byEdited = compareSlackTs(edit.editedTs, than.editedTs);
    if (byEdited !== 0) return byEdited > 0;
  }
  if (edit.eventTs !== undefined && than.eventTs !== undefined)
    return compareSlackTs(edit.eventTs, than.eventTs) > 0;
  return false;
}

/** The newest of the mark and an edit just recorded. */
export function newestEdit(mark: EditStamp | undefined, edit: EditStamp | undefined): EditStamp | undefined {
  if (!edit || (edit.editedTs === undefined && edit.eventTs === undefined)) return mark;
  return isNewerEdit(edit, mark) ? edit : mark;
}

/** When a waiting change is due: a delete at once, a burst of edits once it has been quiet. */
export function dueAt(waiting: WaitingChange, quietMs: number): number {
  if (waiting.kind === 'delete') return waiting.lastAt;
  return Math.min(waiting.lastAt + quietMs, waiting.firstAt + MAX_BURST_QUIET_PERIODS * quietMs);
}

/** A new edit of the burst: its text replaces the waiting one; the burst's start stays. */
export function withEdit(
  waiting: WaitingChange | undefined,
  text: string,
  edit: EditStamp | undefined,
  now: number,
): WaitingChange {
  return {
    kind: 'edit',
    text,
    ...(edit ? { edit } : {}),
    edits: (waiting?.kind === 'edit' ? waiting.edits : 0) + 1,
    firstAt: waiting?.firstAt ?? now,
    lastAt: now,
  };
}

/** A delete replaces whatever was waiting: nothing is left to edit. */
export function withDelete(now: number): WaitingChange {
  return { kind: 'delete', edits: 0, firstAt: now, lastAt: now };
}

/**
 * Nothing a change is judged on moved since `found` was read: the compare-and-set of the writes
 * that record or act on a change (a lease renewal or a batch written meanwhile means judging again).
 */
export function unchangedSince(current: RelayRecord, found: RelayRecord): boolean {
  return (
    current.updatedAt === found.updatedAt &&
    current.status === found.status &&
    current.text === found.text &&
    current.lease?.owner === found.lease?.owner &&
    JSON.stringify(current.sync) === JSON.stringify(found.sync) &&
    JSON.stringify(current.slackChanges) === JSON.stringify(found.slackChanges)
  );
}

/** When to look at a recorded change again: once due, and no sooner than a recheck while busy. */
export function wakeInMs(deps: Pick<RelayDeps, 'now' | 'settings'>, record: RelayRecord): number {
  const waiting = record.slackChanges?.waiting;
  if (!waiting) return 0;
  const due = Math.max(0, dueAt(waiting, deps.settings.sync.quietMs) - deps.now());
  return isBusy(record) ? Math.max(due, BUSY_RECHECK_MS) : due;
}
