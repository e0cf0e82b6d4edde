/**
 * Answers owed to senders. Work that ends writes its final status together with `owed` (who is
 * told what, by which process, until when): the write that makes the outcome true also records
 * that nobody has heard it yet. The presenter tells the sender (the receipt, the held question,
 * the notice after a restart, the answer) and then clears it (`settleOwed`). A process killed in
 * between leaves `owed` behind; the takeover sweep of any live process claims it once its owner's
 * time ran out (at once on a store only one process uses, as leases, lease.ts) and tells it.
 *
 * Told at least once: a process that was only slow may tell it too, and a duplicate receipt is
 * better than none. Cleared only by whoever holds it now, so a slow owner never clears the answer
 * a takeover is still telling.
 */
import type { RelayDeps } from './deps.js';
import { isOwnerGone } from './lease.js';
import { persistently } from './persistently.js';
import { StoreConflictError } from './ports/store-errors.js';
import type { OwedAnswer, RelayRecord } from './types.js';

export type OwedDeps = Pick<
  RelayDeps,
  'store' | 'instanceId' | 'leaseMs' | 'now' | 'exclusiveStore' | 'siblings' | 'log'
>;

/** The `owed` field of a final write: this process tells it, within a lease's time. */
export function owedBy(
  deps: Pick<RelayDeps, 'instanceId' | 'leaseMs' | 'now'>,
  kind: OwedAnswer['kind'],
  to?: string,
): OwedAnswer {
  const now = deps.now();
  return { kind, ...(to ? { to } : {}), owner: deps.instanceId, until: now + deps.leaseMs, since: now };
}

/** Owed by a process that is gone (another one's, past its time, or any other on an exclusive store). */
export function isOwedElsewhere(
  deps: Pick<RelayDeps, 'instanceId' | 'now' | 'exclusiveStore' | 'siblings'>,
  record: RelayRecord,
): boolean {
  const { owed } = record;
  return owed !== undefined && isOwnerGone(deps, owed.owner, owed.until);
}

/** Takes over telling `record`'s owed answer; undefined when another process took it first or it was told. */
export async function claimOwed(deps: OwedDeps, record: RelayRecord): Promise<RelayRecord | undefined> {
  const owed = record.owed;
  if (!owed) return undefined;
  try {
    return await deps.store.update(
      record.id,
      { owed: { ...owed, owner: deps.instanceId, until: deps.now() + deps.leaseMs } },
      (current) => current.owed?.since === owed.since && isOwedElsewhere(deps, current),
    );
  } catch (error) {
    if (error instanceof StoreConflictError) return undefined;
    throw error;
  }
}

/**
 * The sender was told: the answer is no longer owed. Only this process's own: one that took it
 * over meanwhile tells it and clears it. Held back and retried through a store outage like the
 * writes that record Fxiaoke's answers: left owed, it would be told again once this process
 * stops. Never throws (the answer was given; at worst it is given again).
 */
export async function settleOwed(
  deps: Pick<RelayDeps, 'store' | 'instanceId' | 'log' | 'writesAbandoned'>,
  relayId: string,
): Promise<void> {
  try {
    await persistently(deps, { relayId, settlingOwed: true }, () =>
      deps.store.update(relayId, { owed: undefined }, (current) => current.owed?.owner === deps.instanceId),
    );
  } catch (error) {
    if (error instanceof StoreConflictError) return;
    deps.log.warn({ relayId, err: error }, 'could not record that the sender was told');
  }
}

/** Claims every answer a gone process owed and hands each to `tell`; returns the claimed records. */
export async function takeOverOwed(
  deps: OwedDeps,
  tell: (record: RelayRecord) => void,
  limit = 500,
): Promise<RelayRecord[]> {
  const owed = await deps.store.listOwed(limit);
  const claimed: RelayRecord[] = [];
  for (const record of owed) {
    if (!isOwedElsewhere(deps, record)) continue;
    const mine = await claimOwed(deps, record).catch((error: unknown) => {
      deps.log.warn({ relayId: record.id, err: error }, 'could not claim an answer owed to a sender');
      return undefined;
    });
    if (!mine?.owed) continue;
    deps.log.warn(
      { relayId: mine.id, kind: mine.owed.kind, previousOwner: record.owed?.owner },
      'telling a sender what a stopped process owed them',
    );
    claimed.push(mine);
    tell(mine);
  }
  return claimed;
}
