/**
 * Holding a relay for the sender's confirmation. When some recipients cannot be reached (unmapped
 * mentions, departed employees) nothing is sent; the request is kept in the store as a `failed`
 * relay with no batches and error kind `held`, so the confirmation survives restarts and works on
 * any replica. held.ts confirms or cancels it.
 */
import type { RelayDeps } from './deps.js';
import { heldRequestKey } from './ids.js';
import type { RecipientProblem } from './recipients.js';
import type { DraftFields, SendOutcome } from './send.js';
import type { RelayRecord } from './types.js';

export const HELD = 'held';
export const HELD_CONFIRMED = 'held_confirmed';
export const HELD_CANCELLED = 'held_cancelled';

export function isHeld(record: RelayRecord): boolean {
  return record.status === 'failed' && record.batches.length === 0 && record.error?.kind === HELD;
}

export async function holdRelay(
  deps: RelayDeps,
  fields: DraftFields,
  unreachable: RecipientProblem[],
): Promise<SendOutcome> {
  const now = deps.now();
  const id = deps.newRelayId(now);
  const names = unreachable.map((problem) => problem.input).join(', ');
  const record: RelayRecord = {
    id,
    ...fields,
    requestKey: heldRequestKey(id, fields.requestKey),
    // The original message stays free for the relay that goes out on confirmation.
    slack: undefined,
    serviceId: deps.fxiaoke.serviceId,
    batches: [],
    status: 'failed',
    error: {
      kind: HELD,
      message: `Not sent: ${unreachable.length} recipient${unreachable.length === 1 ? '' : 's'} cannot be reached (${names}); waiting for the sender to confirm sending to the other ${fields.recipients.length}.`,
    },
    createdAt: now,
    updatedAt: now,
  };
  const claim = await deps.store.create(record);
  if (!claim.created) return { type: 'duplicate', record: claim.existing };
  deps.log.info(
    { relayId: id, unreachable: unreachable.length, reachable: fields.recipients.length },
    'relay held for confirmation',
  );
  return { type: 'held', record: claim.record, unreachable };
}
