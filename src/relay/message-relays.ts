/**
 * Every relay sent from one Slack message: the first, keyed by the message itself, and deliberate
 * repeats (source `repeat` 2, 3, …; see repeatRequestKey), found by their source in one query.
 */
import type { RelayStore } from './ports/store.js';
import {
  type RevokeDeps,
  type RevokeIntakeDeps,
  type RevokeOutcome,
  receiveRevoke,
  revokeRelay,
} from './revoke.js';
import type { RelayRecord, SlackMessageRef } from './types.js';

/** Beyond this many sends of one message the bridge stops offering another. */
export const MAX_SENDS_PER_MESSAGE = 20;

export interface NumberedRelay {
  /** 1 for the relay keyed by the message, 2… for repeats. */
  n: number;
  record: RelayRecord;
}

/**
 * The relay keyed by the message (n = 1: a relay of it that went out, or the relay whose receipt
 * it is), then the repeats numbered 2, 3, … without a gap, at most MAX_SENDS_PER_MESSAGE in all.
 */
export async function relaysOfMessage(store: RelayStore, ref: SlackMessageRef): Promise<NumberedRelay[]> {
  const [first, sources] = await Promise.all([
    store.findBySlackMessage(ref),
    store.listBySource(ref, MAX_SENDS_PER_MESSAGE * 2),
  ]);
  const found: NumberedRelay[] = first ? [{ n: 1, record: first }] : [];
  const repeats = new Map<number, RelayRecord>();
  for (const record of sources) {
    const n = record.source?.repeat;
    if (n === undefined) continue;
    // A `confirmed` record is an old held relay's stub; the relay it became has the same number.
    const earlier = repeats.get(n);
    if (!earlier || earlier.status === 'confirmed') repeats.set(n, record);
  }
  for (let n = 2; n <= MAX_SENDS_PER_MESSAGE; n++) {
    const record = repeats.get(n);
    if (!record) break;
    found.push({ n, record });
  }
  return found;
}

/** The number the next send of this message gets: 1 when it was never relayed. */
export function nextSendNumber(relays: readonly NumberedRelay[]): number {
  return relays.reduce((max, relay) => Math.max(max, relay.n), 0) + 1;
}

/**
 * Revoke from Fxiaoke on a message takes back everything sent from it: a sender who relayed a
 * message twice means both when they revoke it. Each relay is judged on its own (who may, what
 * is left), so one answer per relay.
 */
export async function revokeMessageRelays(
  deps: RevokeIntakeDeps & RevokeDeps,
  ref: SlackMessageRef,
  actorId: string,
): Promise<RevokeOutcome[]> {
  const relays = await relaysOfMessage(deps.store, ref);
  if (relays.length === 0) return [await revokeRelay(deps, { target: { ref }, actorId })];
  const outcomes: RevokeOutcome[] = [];
  for (const { record } of relays) {
    outcomes.push(await revokeRelay(deps, { target: { relayId: record.id }, actorId }));
  }
  return outcomes;
}

/** The front-door half of revokeMessageRelays: each relay of the message claimed or answered. */
export async function receiveMessageRevokes(
  deps: RevokeIntakeDeps,
  ref: SlackMessageRef,
  actorId: string,
  named?: string,
): Promise<Awaited<ReturnType<typeof receiveRevoke>>[]> {
  const relays = await relaysOfMessage(deps.store, ref);
  if (relays.length === 0) {
    // A receipt is posted a moment before the relay records its ts: a click in between finds no
    // relay by the message, but the receipt's Revoke button names it. Taken only while it records
    // no message at all, so a message cannot name another message's relay.
    const receipt = named === undefined ? undefined : await deps.store.findById(named);
    if (receipt && receipt.slack === undefined)
      return [await receiveRevoke(deps, { target: { relayId: receipt.id }, actorId })];
    return [await receiveRevoke(deps, { target: { ref }, actorId })];
  }
  const received: Awaited<ReturnType<typeof receiveRevoke>>[] = [];
  for (const { record } of relays) {
    received.push(await receiveRevoke(deps, { target: { relayId: record.id }, actorId }));
  }
  return received;
}
