/** Shared by the revoke shortcut and the Revoke button: what their intake claimed, and its undo. */
import type { RevokeOutcome } from '../../../relay/revoke.js';
import type { RelayRecord } from '../../../relay/types.js';
import type { ListenerContext } from '../../context.js';

type Received = RevokeOutcome | { type: 'accepted'; record: RelayRecord };

export function splitReceived(received: readonly Received[]): {
  claimed: RelayRecord[];
  answered: RevokeOutcome[];
} {
  const claimed: RelayRecord[] = [];
  const answered: RevokeOutcome[] = [];
  for (const each of received) {
    if (each.type === 'accepted') claimed.push(each.record);
    else answered.push(each);
  }
  return { claimed, answered };
}

/** A claim that landed after the actor was told nothing was revoked goes back to what it was. */
export async function undoLateRevokes(
  ctx: ListenerContext,
  late: Received | readonly Received[],
): Promise<void> {
  const list: readonly Received[] = Array.isArray(late) ? late : [late as Received];
  for (const each of list) {
    if (each.type !== 'accepted') continue;
    const previous = each.record.revokeRequest?.previousStatus ?? 'sent';
    await ctx.relay.store.update(
      each.record.id,
      { status: previous, lease: undefined, revokeRequest: undefined },
      (current) => current.status === 'revoking' && current.lease?.owner === ctx.relay.instanceId,
    );
  }
}
