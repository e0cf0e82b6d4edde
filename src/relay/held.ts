/**
 * Confirming or cancelling a held relay (see hold.ts). Confirming sends the same text to the
 * recipients who could be reached, under the original request key, so the original Slack message
 * still keys it; cancelling records that nothing was sent.
 */
import { admitSend, claimCounted, type SendRefusal } from './admission.js';
import { persistently, type RelayDeps } from './deps.js';
import { HELD_CANCELLED, HELD_CONFIRMED, isHeld } from './hold.js';
import { originalOfHeldKey, slackRefOfRequestKey } from './ids.js';
import { draftRelay, type SendHooks, sendClaimedRelay } from './send.js';
import type { RelayRecord } from './types.js';

export type HeldOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  /** The sender may not send now (access changed since, or the rate limit): nothing was sent. */
  | { type: 'refused'; record: RelayRecord; refusal: SendRefusal }
  | { type: 'cancelled'; record: RelayRecord }
  /** Confirmed before (the relay it became, when it can be found). */
  | { type: 'already_confirmed'; record: RelayRecord; relay?: RelayRecord };

/** Sends a held relay to the recipients who could be reached. Only its sender may. */
export async function confirmHeldRelay(
  deps: RelayDeps,
  heldId: string,
  actorId: string,
  hooks: SendHooks = {},
): Promise<HeldOutcome | { type: 'finished'; record: RelayRecord }> {
  const found = await findHeld(deps, heldId, actorId);
  if ('type' in found) return found;
  const { held, originalKey } = found;
  // Confirming is sending: the same admission as a new send, as the sender is now.
  const sender = { userId: held.senderId, channelId: held.originChannelId };
  const refusal = await admitSend(deps, sender, hooks.groupMembers);
  if (refusal) return { type: 'refused', record: held, refusal };
  const draft = draftRelay(deps, {
    requestKey: originalKey,
    slack: slackRefOfRequestKey(originalKey),
    senderId: held.senderId,
    originChannelId: held.originChannelId,
    text: held.text,
    content: held.content,
    recipientsInput: held.recipientsInput,
    recipients: held.recipients,
    // Never prepared while held: the files are fetched when it goes out.
    attachments: held.attachments,
  });
  const claim = await claimCounted(deps, draft);
  if ('refused' in claim) return { type: 'refused', record: held, refusal: claim.refused };
  if (!claim.created) return { type: 'already_confirmed', record: held, relay: claim.existing };
  await note(deps, held, HELD_CONFIRMED, `Confirmed by the sender: sent as relay ${draft.id}.`);
  return sendClaimedRelay(deps, claim.record, hooks);
}

export async function cancelHeldRelay(
  deps: RelayDeps,
  heldId: string,
  actorId: string,
): Promise<HeldOutcome> {
  const found = await findHeld(deps, heldId, actorId);
  if ('type' in found) return found;
  const record = await note(deps, found.held, HELD_CANCELLED, 'Cancelled by the sender: nothing was sent.');
  return { type: 'cancelled', record };
}

async function findHeld(
  deps: RelayDeps,
  heldId: string,
  actorId: string,
): Promise<HeldOutcome | { held: RelayRecord; originalKey: string }> {
  const held = await deps.store.findById(heldId);
  const originalKey = held ? originalOfHeldKey(held.requestKey) : undefined;
  if (!held || !originalKey) return { type: 'not_found' };
  if (held.senderId !== actorId) return { type: 'forbidden', record: held };
  if (held.error?.kind === HELD_CANCELLED) return { type: 'cancelled', record: held };
  if (!isHeld(held)) {
    return { type: 'already_confirmed', record: held, relay: await deps.store.findByRequestKey(originalKey) };
  }
  // A relay under the original key means it went out already (a click on another replica).
  const relay = await deps.store.findByRequestKey(originalKey);
  if (relay) return { type: 'already_confirmed', record: held, relay };
  return { held, originalKey };
}

/** Records what became of a held relay, for the sender's App Home. */
async function note(deps: RelayDeps, held: RelayRecord, kind: string, message: string): Promise<RelayRecord> {
  return persistently(deps, { relayId: held.id, kind }, () =>
    deps.store.update(held.id, { error: { kind, message } }, 'failed'),
  );
}
