/**
 * Startup recovery: a crash can leave relays `pending` (batches may or may not have reached
 * Fxiaoke) or `revoking`. Pending batches become `unknown`; the relay's status is re-derived from
 * its batches. The caller tells the senders.
 */
import { persistently, type RelayDeps, statusFromBatches } from './deps.js';
import type { RelayBatch, RelayMessageState, RelayRecord } from './types.js';

/** `error.kind` of the batches recovery marks `unknown`: tells an interrupted send from a revoke. */
export const INTERRUPTED = 'interrupted';

export interface RecoveryOptions {
  /**
   * Only relays untouched this long are taken as interrupted. 0 suits a store only this process
   * uses (SQLite, memory); a shared store needs more than the longest relay, or a live replica's
   * work would be taken over (that replica's later writes still win, but its sender would be
   * told twice).
   */
  staleAfterMs?: number;
  limit?: number;
}

export async function recoverInterruptedRelays(
  deps: RelayDeps,
  options: RecoveryOptions = {},
): Promise<RelayRecord[]> {
  const staleAfterMs = options.staleAfterMs ?? 0;
  const staleBefore = deps.now() - staleAfterMs;
  const stuck = await deps.store.listByStatus(['pending', 'revoking'], options.limit ?? 1000);
  const recovered: RelayRecord[] = [];
  for (const record of stuck) {
    if (staleAfterMs > 0 && record.updatedAt > staleBefore) continue;
    const batches = record.batches.map((batch) => interrupted(batch));
    const status = statusFromBatches(batches);
    try {
      const updated = await persistently(deps, { relayId: record.id }, () =>
        deps.store.update(record.id, { status, batches }, record.status),
      );
      recovered.push(updated);
      deps.log.warn(
        { relayId: record.id, was: record.status, now: status },
        'recovered an interrupted relay',
      );
    } catch (error) {
      // Another replica recovered or finished it first; nothing to do.
      deps.log.info({ relayId: record.id, err: error }, 'interrupted relay changed while recovering');
    }
  }
  return recovered;
}

/** A message (a batch's text or one of its image messages) left pending becomes `unknown`. */
function interrupted(batch: RelayBatch): RelayBatch {
  const extraMessages = batch.extraMessages?.map((message) => interruptedOne(message, 'this image message'));
  const text = interruptedOne(batch, 'this batch');
  return extraMessages ? { ...text, extraMessages } : text;
}

function interruptedOne<T extends RelayMessageState>(message: T, what: string): T {
  if (message.status !== 'pending') return message;
  return {
    ...message,
    status: 'unknown',
    error: {
      kind: INTERRUPTED,
      message: `fx-bridge stopped while ${what} was being sent; Fxiaoke may or may not have it.`,
    },
  };
}
