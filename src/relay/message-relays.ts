/**
 * Every relay sent from one Slack message: the first, keyed by the message itself, and deliberate
 * repeats keyed `message:…#2`, `#3`, … (see repeatRequestKey). The store keeps one relay per Slack
 * message, so repeats are found by request key, in order, until the first number not used.
 */
import type { RelayStore } from '../store/interface.js';
import type { RelayDeps } from './deps.js';
import { repeatRequestKey } from './ids.js';
import { type RevokeOutcome, receiveRevoke, revokeRelay } from './revoke.js';
import type { RelayRecord, SlackMessageRef } from './types.js';

/** Beyond this many sends of one message the bridge stops offering another. */
export const MAX_SENDS_PER_MESSAGE = 20;

export interface NumberedRelay {
  /** 1 for the relay keyed by the message, 2… for repeats. */
  n: number;
  record: RelayRecord;
}

export async function relaysOfMessage(store: RelayStore, ref: SlackMessageRef): Promise<NumberedRelay[]> {
  const found: NumberedRelay[] = [];
  const first = await store.findBySlackMessage(ref);
  if (first) found.push({ n: 1, record: first });
  for (let n = 2; n <= MAX_SENDS_PER_MESSAGE; n++) {
    const record = await store.findByRequestKey(repeatRequestKey(ref, n));
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
  deps: RelayDeps,
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
  deps: RelayDeps,
  ref: SlackMessageRef,
  actorId: string,
): Promise<Awaited<ReturnType<typeof receiveRevoke>>[]> {
  const relays = await relaysOfMessage(deps.store, ref);
  if (relays.length === 0) return [await receiveRevoke(deps, { target: { ref }, actorId })];
  const received: Awaited<ReturnType<typeof receiveRevoke>>[] = [];
  for (const { record } of relays) {
    received.push(await receiveRevoke(deps, { target: { relayId: record.id }, actorId }));
  }
  return received;
}
