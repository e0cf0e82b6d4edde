/**
 * Hand-off (RELAY_WORKERS=fork|none): a receiver records a send, acks, and leaves carrying it out
 * to a worker process, so its event loop runs acks only. The relay stays `received`; its lease
 * becomes `HANDED_OFF` (lease.ts), which no takeover counts as abandoned: it is queued, not left by
 * a crash, and the worker that claims it runs the same job with the same words as the receiver
 * would have. Both steps are compare-and-sets on the record, so each relay is handed off once and
 * claimed by exactly one worker. A receiver killed before its hand-off leaves the relay under its
 * own lease, for a takeover as before.
 */
import type { RelayDeps } from './deps.js';
import { HANDED_OFF, leaseForMe } from './lease.js';
import { persistently } from './persistently.js';
import { RelayNotFoundError, StoreConflictError } from './ports/store-errors.js';
import type { RelayRecord } from './types.js';

// RELAY_WORKERS=fork needs no write at all: the receiver tells its own worker each accepted relay
// over the fork's channel, and the worker claims it from the receiver's lease (claimHandedOff's
// `from`). A telling lost with a worker that died is re-told to the next one; past that, the
// receiver's lease runs out (it never renews it) and the worker's takeover sweep carries it out.

type HandOffDeps = Pick<RelayDeps, 'store' | 'instanceId' | 'log' | 'writesAbandoned'>;

export function isHandedOff(record: RelayRecord): boolean {
  return record.status === 'received' && record.lease?.owner === HANDED_OFF;
}

/**
 * Gives up this process's lease on a `received` relay to whichever worker claims it first. False
 * when the relay is no longer this process's to give (taken over, or moved on). A store outage
 * holds the write back and retries it, as every write that must land (persistently.ts).
 */
export async function handOff(deps: HandOffDeps, record: RelayRecord): Promise<boolean> {
  try {
    await persistently(deps, { relayId: record.id, handingOff: true }, () =>
      deps.store.update(
        record.id,
        { lease: { owner: HANDED_OFF, until: 0 } },
        (current) => current.status === 'received' && current.lease?.owner === deps.instanceId,
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof StoreConflictError || error instanceof RelayNotFoundError) return false;
    throw error;
  }
}

/**
 * Takes a handed-off relay for this worker; undefined when another worker was first (or it moved
 * on). `from`: the receiver that told this worker of the relay itself (RELAY_WORKERS=fork, over
 * the fork's channel): its relay may still carry that receiver's lease, handed over by the telling.
 */
export async function claimHandedOff(
  deps: Pick<RelayDeps, 'store' | 'instanceId' | 'leaseMs' | 'now'>,
  relayId: string,
  from?: string,
): Promise<RelayRecord | undefined> {
  const handedOff = (current: RelayRecord) =>
    isHandedOff(current) ||
    (from !== undefined && current.status === 'received' && current.lease?.owner === from);
  return claimIf(deps, relayId, handedOff);
}

/**
 * Takes a revoke (or an update, whose claim is `revoking` with its request) the receiver `from`
 * claimed and told this worker of (RELAY_WORKERS=fork): still `revoking` under that receiver's
 * lease, so nothing of it has been called yet. Undefined when it
 * moved on: another worker's takeover after the receiver's lease ran out, or already revoked.
 */
export async function claimRevokeFrom(
  deps: Pick<RelayDeps, 'store' | 'instanceId' | 'leaseMs' | 'now'>,
  relayId: string,
  from: string,
): Promise<RelayRecord | undefined> {
  return claimIf(deps, relayId, (current) => current.status === 'revoking' && current.lease?.owner === from);
}

/** This worker's lease on the relay, by compare-and-set; undefined when `still` no longer holds. */
async function claimIf(
  deps: Pick<RelayDeps, 'store' | 'instanceId' | 'leaseMs' | 'now'>,
  relayId: string,
  still: (current: RelayRecord) => boolean,
): Promise<RelayRecord | undefined> {
  try {
    return await deps.store.update(relayId, { lease: leaseForMe(deps) }, still);
  } catch (error) {
    if (error instanceof StoreConflictError || error instanceof RelayNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Claims handed-off relays (oldest first, as the store lists them) and gives each to `carryOut`:
 * a worker's durable path beside the receiver's notice, and every sweep's after a mode change.
 */
export async function claimHandedOffRelays(
  deps: Pick<RelayDeps, 'store' | 'instanceId' | 'leaseMs' | 'now' | 'log'>,
  carryOut: (record: RelayRecord) => void,
  limit = 500,
): Promise<number> {
  const received = await deps.store.listByStatus(['received'], limit);
  let claimed = 0;
  for (const record of received) {
    if (!isHandedOff(record)) continue;
    const mine = await claimHandedOff(deps, record.id).catch((error: unknown) => {
      deps.log.warn({ relayId: record.id, err: error }, 'could not claim a handed-off relay');
      return undefined;
    });
    if (!mine) continue;
    claimed++;
    carryOut(mine);
  }
  return claimed;
}
