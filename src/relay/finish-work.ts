/**
 * The last write of a piece of work on a relay (a send, a revoke, an update, a question, a request
 * given up). A change of the Slack message recorded beside that work (`slackChanges.waiting`,
 * sync.ts) is handed over in the same write: where the write would leave the relay at rest, it
 * leaves it `changed` instead, acting from the status the work ended in, without a lease — anyone's
 * (lease.ts isAbandoned). So the takeover sweep of any live process finds the change even if the
 * process that did the work and the one that recorded the change both stop right after.
 */

import { isAtRest } from './lifecycle.js';
import type { RelayStore } from './ports/store.js';
import { StoreConflictError } from './ports/store-errors.js';
import type { RelayChange, RelayRecord } from './types.js';

/** A change recorded meanwhile moves the record under the write this many times before it gives up. */
const RETRIES = 5;

/**
 * Applies `change` (the work's last write) if `expected` holds, handing over a change of the
 * Slack message waiting beside the work in the same write. Throws `StoreConflictError` when
 * `expected` does not hold, as `store.update` does.
 */
export async function finishWork(
  store: Pick<RelayStore, 'update'>,
  relayId: string,
  change: RelayChange,
  expected: (current: RelayRecord) => boolean = () => true,
  attempt = 0,
): Promise<RelayRecord> {
  try {
    // The common case first: nothing waits, the change is written as it is.
    return await store.update(relayId, change, (current) => expected(current) && !handsOver(current, change));
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    const seen = error.current;
    if (!expected(seen) || !handsOver(seen, change)) throw error;
    try {
      return await store.update(
        relayId,
        handedOver(seen, change),
        (current) =>
          expected(current) &&
          current.status === seen.status &&
          JSON.stringify(current.slackChanges) === JSON.stringify(seen.slackChanges),
      );
    } catch (again) {
      // A newer edit or delete was recorded meanwhile: written again with it.
      if (!(again instanceof StoreConflictError) || attempt >= RETRIES) throw again;
      return finishWork(store, relayId, change, expected, attempt + 1);
    }
  }
}

/** Whether writing `change` over `current` ends its work with a change of the Slack message waiting. */
function handsOver(current: RelayRecord, change: RelayChange): boolean {
  return current.slackChanges?.waiting !== undefined && isAtRest({ ...current, ...change });
}

/** `change`, with the relay handed over: `changed`, no lease, acting from the status `change` leaves. */
export function handedOver(current: RelayRecord, change: RelayChange = {}): RelayChange {
  const next = { ...current, ...change };
  const changes = next.slackChanges;
  const waiting = changes?.waiting;
  if (!waiting) return change;
  return {
    ...change,
    status: 'changed',
    lease: undefined,
    slackChanges: { ...changes, waiting: { ...waiting, previousStatus: next.status } },
  };
}
