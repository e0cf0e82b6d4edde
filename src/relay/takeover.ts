/**
 * Taking over recorded work nobody is doing: at start and then periodically, every live process
 * looks for relays in work (lifecycle.ts IN_WORK) whose lease ran out (lease.ts), claims each by
 * compare-and-set and hands it to `carryOn`, which carries its work (workOf) on. Resuming a send never repeats a call
 * that may have reached Fxiaoke: such a call is marked as one that may have been delivered
 * (copies.ts MAY_HAVE_BEEN_DELIVERED, with its thirdTraceId) and only calls never dispatched go out — among them every call that was still
 * waiting for the rate budget, since a call is marked dispatched only once it leaves (send.ts).
 */
import { hasPendingExtras } from './attachments.js';
import { EXPIRED } from './carry-out.js';
import { MAY_HAVE_BEEN_DELIVERED, mayHaveBeenDelivered, statusFromBatches } from './copies.js';
import type { RelayDeps } from './deps.js';
import { finishWork } from './finish-work.js';
import { claimLease, fenced, holdsLease, isAbandoned, type LeaseDeps } from './lease.js';
import { IN_WORK } from './lifecycle.js';
import { observing, type RelayObserver } from './observer.js';
import { owedBy } from './owed.js';
import { persistently } from './persistently.js';
import { type SendDeps, sendPendingBatches } from './send.js';
import type { RelayBatch, RelayMessageState, RelayRecord } from './types.js';

/** `error.kind` of the calls a takeover marks `unknown`: tells an interrupted send from a revoke. */
export const INTERRUPTED = 'interrupted';

export interface TakeoverOptions {
  /** Records without a lease (older versions) count as abandoned once untouched this long. */
  legacyStaleMs: number;
  limit?: number;
  /**
   * Relays this process still has a job for (queued, or waiting through a store outage that
   * stopped its lease renewals): not claimed again here. A second claim by the same owner would let
   * that job's writes pass the lease fence after another replica's, from an older copy of the record.
   */
  inHand?: (relayId: string) => boolean;
  /**
   * Relays of this process whose job here ended without finishing them, having told their sender
   * they are carried on (an error before any call, relay/interrupted.ts): taken again once their
   * lease lapses. Only these: a record of this process's that no job of it ever had (an intake the
   * door gave up on, being abandoned) is never taken by its own process.
   */
  ownLeftBehind?: (relayId: string) => boolean;
}

/**
 * A relay of this very process that a job here left unfinished and said so: it ended on an
 * unexpected error before any call, and its sender was told the relay stays recorded and is carried
 * on (`ownLeftBehind`). No other process counts it as abandoned while this one lives (lease.ts
 * isOwnerGone), and nobody renews its lease: without this, a single replica carried it on only after
 * a restart. Taken once its lease has lapsed, unless a job of this process has it in hand again.
 */
function ownLeftBehind(
  deps: Pick<LeaseDeps, 'instanceId' | 'now'>,
  record: RelayRecord,
  options: TakeoverOptions,
): boolean {
  const { lease } = record;
  if (!options.ownLeftBehind || lease?.owner !== deps.instanceId) return false;
  return lease.until <= deps.now() && options.ownLeftBehind(record.id);
}

/** Claims every abandoned relay and hands each to `carryOn`; returns the claimed records. */
export async function takeOverAbandoned(
  deps: LeaseDeps & Pick<RelayDeps, 'log'>,
  options: TakeoverOptions,
  carryOn: (record: RelayRecord) => void,
): Promise<RelayRecord[]> {
  const inWork = await deps.store.listByStatus(IN_WORK, options.limit ?? 500);
  const claimed: RelayRecord[] = [];
  for (const record of inWork) {
    const leftBehind =
      isAbandoned(deps, record, options.legacyStaleMs) || ownLeftBehind(deps, record, options);
    if (!leftBehind || options.inHand?.(record.id)) continue;
    const mine = await claimLease(deps, record, options.legacyStaleMs).catch((error: unknown) => {
      deps.log.warn({ relayId: record.id, err: error }, 'could not claim an abandoned relay');
      return undefined;
    });
    if (!mine) continue;
    deps.log.warn(
      { relayId: mine.id, status: mine.status, previousOwner: record.lease?.owner },
      'took over a relay nobody was working on',
    );
    claimed.push(mine);
    carryOn(mine);
  }
  return claimed;
}

export interface ResumedSend {
  record: RelayRecord;
  /** Calls that may have reached Fxiaoke before the interruption (now `unknown`). */
  interrupted: number;
  /** Calls never dispatched (texts and image messages) that were resumed now. */
  resumed: number;
}

/**
 * Continues a `pending` relay this process claimed: dispatched calls become `unknown`, calls never
 * dispatched are sent (unless the relay is older than the resume limit: then they fail, expired).
 */
export async function resumePending(
  deps: SendDeps & Pick<RelayDeps, 'resumeLimitMs'>,
  claimed: RelayRecord,
  hooks: RelayObserver,
): Promise<ResumedSend> {
  const expired = deps.now() - (claimed.intake?.receivedAt ?? claimed.createdAt) > deps.resumeLimitMs;
  // A record from before dispatch marks (no lease): any pending call may have gone out.
  const legacy = claimed.lease === undefined || claimed.intake === undefined;
  let interruptedCount = 0;
  let resumed = 0;
  const batches = claimed.batches.map((batch): RelayBatch => {
    const text = settle(batch, 'this batch', expired, legacy);
    if (mayHaveBeenDelivered(text) && batch.status === 'pending') interruptedCount++;
    if (text.status === 'pending') resumed++;
    const extraMessages = batch.extraMessages?.map((message) => {
      const next = settle(message, 'this image message', expired, legacy);
      if (mayHaveBeenDelivered(next) && message.status === 'pending') interruptedCount++;
      // Sent now only after a text that went out, or goes out now (send.ts skips the others).
      if (next.status === 'pending' && (text.status === 'sent' || text.status === 'pending')) resumed++;
      return next;
    });
    return extraMessages ? { ...text, extraMessages } : text;
  });
  // An image message never dispatched after a text that went out is sent too.
  const status = batches.some(hasPendingExtras) ? 'pending' : statusFromBatches(batches);
  // Finished now (nothing left to send): the relay says why, as a finished send does.
  const firstError = status === 'pending' ? undefined : batches.find((batch) => batch.error)?.error;
  // Who hears how it ended: the sender of a first send (an update's answer is its own, sync-jobs).
  const owes =
    claimed.updateRequest !== undefined ? undefined : interruptedCount > 0 ? 'recovered' : ('send' as const);
  // Finished now, the write ends the send (and hands over a change of the Slack message waiting).
  let record = await fenced(deps, claimed.id, () =>
    persistently(deps, { relayId: claimed.id, resuming: true }, () =>
      finishWork(
        deps.store,
        claimed.id,
        {
          batches,
          status,
          ...(firstError ? { error: firstError } : {}),
          ...(status !== 'pending' && owes ? { owed: owedBy(deps, owes) } : {}),
        },
        (current) => current.status === 'pending' && holdsLease(deps, current),
      ),
    ),
  );
  if (status === 'pending') {
    record = await sendPendingBatches(deps, record, hooks, owes);
  } else {
    observing(deps, hooks).relayFinished?.(status, record);
  }
  return { record, interrupted: interruptedCount, resumed };
}

/** A message left pending: `unknown` if its call was dispatched, failed if expired, else as is. */
function settle<T extends RelayMessageState>(message: T, what: string, expired: boolean, legacy: boolean): T {
  if (message.status !== 'pending') return message;
  if (message.dispatchedAt !== undefined || legacy) {
    return {
      ...message,
      status: MAY_HAVE_BEEN_DELIVERED,
      error: {
        kind: INTERRUPTED,
        message: `fx-bridge stopped while ${what} was being sent; it may have been delivered (thirdTraceId ${message.thirdTraceId}). It was not sent again.`,
      },
    };
  }
  if (!expired) return message;
  return {
    ...message,
    status: 'failed',
    error: {
      kind: EXPIRED,
      message: `Not sent: fx-bridge could not resume ${what} in time after it stopped.`,
    },
  };
}
