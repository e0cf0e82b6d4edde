/**
 * Confirming or cancelling a held relay (see hold.ts). Confirming is a front door: the held record
 * itself goes back to `received`, marked confirmed, in one compare-and-set before the ack, then is
 * carried out (carry-out.ts) with the recipients who could be reached — under its own request key,
 * so the original Slack message still keys it. Cancelling records that nothing was sent.
 */
import type { SendRefusal } from './admission.js';
import { type CarryOutDeps, carryOutReceived, intakeOf } from './carry-out.js';
import type { RelayDeps } from './deps.js';
import { finishWork } from './finish-work.js';
import { HELD, HELD_CANCELLED, isHeld } from './hold.js';
import { leaseForMe } from './lease.js';
import type { RelayObserver } from './observer.js';
import { persistently } from './persistently.js';
import { StoreConflictError } from './ports/store-errors.js';
import type { RelayRecord } from './types.js';

/** Confirming a held relay: finding and claiming it again. */
type ConfirmDeps = Pick<RelayDeps, 'store' | 'now' | 'instanceId' | 'leaseMs'>;

export type HeldOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  /** The sender may not send now (access changed since, or the rate limit): nothing was sent. */
  | { type: 'refused'; record: RelayRecord; refusal: SendRefusal }
  | { type: 'cancelled'; record: RelayRecord }
  /** Confirmed before (the relay it became, when it can be found). */
  | { type: 'already_confirmed'; record: RelayRecord; relay?: RelayRecord };

/** The front-door half of a confirmation: the held relay is received again, for its sender only. */
export async function receiveHeldConfirmation(
  deps: ConfirmDeps,
  heldId: string,
  actorId: string,
): Promise<HeldOutcome | { type: 'accepted'; record: RelayRecord }> {
  const found = await findHeld(deps, heldId, actorId);
  if ('type' in found) return found;
  const intake = { ...intakeOf(found), confirmedBy: actorId, receivedAt: deps.now() };
  try {
    const record = await deps.store.update(
      found.id,
      { status: 'received', intake, error: undefined, lease: leaseForMe(deps) },
      (current) => isHeld(current) && current.senderId === actorId,
    );
    return { type: 'accepted', record };
  } catch (error) {
    if (error instanceof StoreConflictError) return answerFor(error.current, actorId);
    throw error;
  }
}

/** Sends a held relay to the recipients who could be reached. Only its sender may. */
export async function confirmHeldRelay(
  deps: ConfirmDeps & CarryOutDeps,
  heldId: string,
  actorId: string,
  hooks: RelayObserver = {},
): Promise<HeldOutcome | { type: 'finished'; record: RelayRecord }> {
  const received = await receiveHeldConfirmation(deps, heldId, actorId);
  if (received.type !== 'accepted') return received;
  return carryOutConfirmation(deps, received.record, hooks);
}

/** The second half: carried out as any received request, answered in the held relay's terms. */
export async function carryOutConfirmation(
  deps: CarryOutDeps,
  received: RelayRecord,
  hooks: RelayObserver,
): Promise<HeldOutcome | { type: 'finished'; record: RelayRecord }> {
  const outcome = await carryOutReceived(deps, received, hooks);
  switch (outcome.type) {
    case 'finished':
      return outcome;
    case 'refused':
      return { type: 'refused', record: received, refusal: outcome.refusal };
    default: {
      const record = (await deps.store.findById(received.id)) ?? received;
      return { type: 'already_confirmed', record, relay: record };
    }
  }
}

export async function cancelHeldRelay(
  deps: Pick<RelayDeps, 'store' | 'log' | 'writesAbandoned'>,
  heldId: string,
  actorId: string,
): Promise<HeldOutcome> {
  const found = await findHeld(deps, heldId, actorId);
  if ('type' in found) return found;
  try {
    const record = await persistently(deps, { relayId: found.id, kind: HELD_CANCELLED }, () =>
      deps.store.update(
        found.id,
        {
          status: 'cancelled',
          error: { kind: HELD_CANCELLED, message: 'Cancelled by the sender: nothing was sent.' },
        },
        isHeld,
      ),
    );
    return { type: 'cancelled', record };
  } catch (error) {
    if (error instanceof StoreConflictError) return answerFor(error.current, actorId);
    throw error;
  }
}

/**
 * Undoes `receiveHeldConfirmation` whose write landed after the door told the sender nothing was
 * taken: the relay waits again, unless someone already carries it out.
 */
export async function returnToHold(
  deps: Pick<RelayDeps, 'store' | 'instanceId'>,
  confirmed: RelayRecord,
): Promise<void> {
  await finishWork(
    deps.store,
    confirmed.id,
    {
      status: 'held',
      error: {
        kind: HELD,
        message: 'Not sent: waiting for the sender to confirm sending to the reachable recipients.',
      },
      lease: undefined,
    },
    (current) => current.status === 'received' && current.lease?.owner === deps.instanceId,
  );
}

async function findHeld(
  deps: Pick<RelayDeps, 'store'>,
  heldId: string,
  actorId: string,
): Promise<HeldOutcome | RelayRecord> {
  const held = heldId === '' ? undefined : await deps.store.findById(heldId);
  if (!held) return { type: 'not_found' };
  if (!isHeld(held)) return answerFor(held, actorId);
  if (held.senderId !== actorId) return { type: 'forbidden', record: held };
  return held;
}

/** A relay that is no longer waiting: cancelled, or confirmed (on this replica or another). */
function answerFor(record: RelayRecord, actorId: string): HeldOutcome {
  const wasHeld =
    record.intake?.confirmedBy !== undefined ||
    record.status === 'cancelled' ||
    record.status === 'confirmed' ||
    isHeld(record);
  // Not a held relay at all: to this button it does not exist.
  if (!wasHeld) return { type: 'not_found' };
  if (record.senderId !== actorId) return { type: 'forbidden', record };
  if (record.status === 'cancelled') return { type: 'cancelled', record };
  if (isHeld(record)) return { type: 'already_confirmed', record };
  return { type: 'already_confirmed', record, relay: record };
}
