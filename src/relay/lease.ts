/**
 * Leases: who works on a recorded relay right now. Every record a process starts on carries
 * `lease: { owner, until }`; the owner renews it while it works. Any live process may take over a
 * relay in work (a status with work, lifecycle.ts) whose lease ran out — or, on a store only one process uses
 * (SQLite, memory), any lease of another (earlier) process. Taking over is a
 * compare-and-set on the record, so two replicas never both take the same relay.
 */

import type { RelayDeps } from './deps.js';
import { TakenOverError } from './dispatch.js';
import { isInWork, LIFECYCLE } from './lifecycle.js';
import { StoreConflictError } from './ports/store-errors.js';
import type { RelayRecord } from './types.js';

/**
 * The lease owner of a `received` relay its receiver handed off to the workers (RELAY_WORKERS,
 * handoff.ts): queued for whichever claims it first, never "abandoned".
 */
export const HANDED_OFF = 'handed-off';

export type LeaseDeps = Pick<
  RelayDeps,
  'instanceId' | 'leaseMs' | 'exclusiveStore' | 'siblings' | 'now' | 'store'
>;

/**
 * Whether the process named `owner` may be taken as gone: never this one; on a store only one
 * process uses, any other but a known sibling (lease `until` aside); otherwise once `until` passed.
 */
export function isOwnerGone(
  deps: Pick<RelayDeps, 'instanceId' | 'exclusiveStore' | 'siblings' | 'now'>,
  owner: string,
  until: number,
): boolean {
  if (owner === deps.instanceId) return false;
  if (deps.exclusiveStore && !(deps.siblings?.().includes(owner) ?? false)) return true;
  return until <= deps.now();
}

export function leaseForMe(deps: Pick<RelayDeps, 'instanceId' | 'leaseMs' | 'now'>): RelayRecord['lease'] {
  return { owner: deps.instanceId, until: deps.now() + deps.leaseMs };
}

/**
 * May this process take the relay over? Its own relays are never "abandoned" while it lives. A
 * relay whose change of the Slack message waits without a lease was handed over by whoever finished
 * the work before it (sync-waiting.ts): anyone's at once. Any other record without a lease (written
 * before leases existed) counts as abandoned once untouched for `legacyStaleMs`.
 */
export function isAbandoned(deps: LeaseDeps, record: RelayRecord, legacyStaleMs: number): boolean {
  if (!isInWork(record.status)) return false;
  const { lease } = record;
  if (!lease)
    return LIFECYCLE[record.status].work === 'following' || record.updatedAt <= deps.now() - legacyStaleMs;
  // Queued for any worker (handoff.ts): waiting for its turn, not left behind by a crash.
  if (lease.owner === HANDED_OFF) return false;
  return isOwnerGone(deps, lease.owner, lease.until);
}

/**
 * Takes the lease of `record` (still in `record.status`) if nobody holds a live one, or this
 * process does. Undefined when someone else has it or the relay moved on.
 */
export async function claimLease(
  deps: LeaseDeps,
  record: RelayRecord,
  legacyStaleMs = 0,
): Promise<RelayRecord | undefined> {
  const status = record.status;
  try {
    return await deps.store.update(
      record.id,
      { lease: leaseForMe(deps) },
      (current) =>
        current.status === status &&
        (current.lease?.owner === deps.instanceId || isAbandoned(deps, current, legacyStaleMs)),
    );
  } catch (error) {
    if (error instanceof StoreConflictError) return undefined;
    throw error;
  }
}

/**
 * The fence of every write that records work on a relay (its batches, its status): it lands only
 * while this process holds the relay's lease. A process whose lease lapsed (a store outage, a long
 * pause) and was taken over must not write its stale view of the batches over the new owner's.
 */
export function holdsLease(deps: Pick<RelayDeps, 'instanceId'>, current: RelayRecord): boolean {
  return current.lease?.owner === deps.instanceId;
}

/**
 * Runs a fenced write (its expectation includes `holdsLease`): a refusal because another process
 * holds the relay now becomes `TakenOverError` — the new owner carries the work on and answers, so
 * this process stops touching the relay and says nothing more. Other refusals stay as they are.
 */
export async function fenced<T>(
  deps: Pick<RelayDeps, 'instanceId' | 'log'>,
  relayId: string,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof StoreConflictError) || holdsLease(deps, error.current)) throw error;
    deps.log.warn(
      { relayId, owner: error.current.lease?.owner },
      'relay taken over by another process; this one stops working on it',
    );
    throw new TakenOverError(relayId);
  }
}

/**
 * Renews the lease every third of its length while `work` runs, so a slow relay (a long rate-limit
 * queue, a slow address book) is not taken over by another replica. Renewal failures are left to
 * the next tick: the work itself decides the record's fate.
 */
export async function withLease<T>(deps: LeaseDeps, relayId: string, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(
    () => {
      deps.store
        .update(relayId, { lease: leaseForMe(deps) }, (current) => current.lease?.owner === deps.instanceId)
        .catch(() => undefined);
    },
    Math.max(100, Math.floor(deps.leaseMs / 3)),
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
