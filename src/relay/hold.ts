/**
 * Holding a relay for the sender's confirmation. When some recipients cannot be reached (unmapped
 * mentions, departed employees) nothing is sent; the received request is kept in status `held`,
 * with the reachable recipients, the content and an error saying who cannot be reached, so the
 * confirmation survives restarts and works on any replica. held.ts confirms or cancels it.
 *
 * The status says what became of a held relay; the error kinds below only name the explanation
 * (what the CLI shows as the error), and a record written before held statuses existed is given
 * its status by the store migration (store/record-migration.ts) from them.
 */
import type { RecipientProblem } from './recipients.js';
import type { RelayError, RelayRecord } from './types.js';

export const HELD = 'held';
export const HELD_CONFIRMED = 'held_confirmed';
export const HELD_CANCELLED = 'held_cancelled';

export function isHeld(record: RelayRecord): boolean {
  return record.status === 'held';
}

export function heldError(unreachable: readonly RecipientProblem[], reachable: number): RelayError {
  const names = unreachable.map((problem) => problem.input).join(', ');
  return {
    kind: HELD,
    message: `Not sent: ${unreachable.length} recipient${unreachable.length === 1 ? '' : 's'} cannot be reached (${names}); waiting for the sender to confirm sending to the other ${reachable}.`,
  };
}
