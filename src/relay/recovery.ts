/**
 * Startup recovery: a crash can leave relays `pending` (batches may or may not have reached
 * Fxiaoke) or `revoking`. Pending batches become `unknown`; the relay's status is re-derived from
 * its batches. The caller tells the senders.
 */
import { persistently, type RelayDeps, statusFromBatches } from './deps.js';
import type { RelayRecord } from './types.js';

export async function recoverInterruptedRelays(deps: RelayDeps, limit = 1000): Promise<RelayRecord[]> {
  const stuck = await deps.store.listByStatus(['pending', 'revoking'], limit);
  const recovered: RelayRecord[] = [];
  for (const record of stuck) {
    const batches = record.batches.map((batch) =>
      batch.status === 'pending'
        ? {
            ...batch,
            status: 'unknown' as const,
            error: {
              kind: 'interrupted',
              message: 'fx-bridge stopped while this batch was being sent; Fxiaoke may or may not have it.',
            },
          }
        : batch,
    );
    const derived = statusFromBatches(batches);
    const status = record.status === 'pending' && derived === 'sent' ? 'sent' : derived;
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
