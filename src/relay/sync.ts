/**
 * Edits and deletes of relayed Slack messages (`sync.edits`, `sync.deletes` in the config file).
 * The front door hands over a change already read from Slack's event; this module decides, with
 * store calls only (it runs before the ack), whether it causes work, and records that work:
 *
 * - `ask`: the relay goes `syncing` with the question (`sync.offer`); a job posts it to the
 *   sender and puts the relay back (settleQuestion). The buttons answer it later.
 * - `auto`: an edit claims the update (update.ts), a delete claims the revoke (revoke.ts).
 *
 * Every claim is a compare-and-set that also records the event id (`sync.seenEvents`): a
 * redelivered event — a retry, or the same event on another replica — finds it and does nothing.
 * Nothing is recorded for messages without a relay, or for changes that need nothing done. What a
 * change means for one relay (the plan) is worked out in sync-plan.ts.
 */
import { StoreConflictError } from '../store/errors.js';
import type { RelayDeps } from './deps.js';
import { newOfferId } from './ids.js';
import { IN_WORK, leaseForMe } from './lease.js';
import { relaysOfMessage } from './message-relays.js';
import { mayActOn } from './revoke.js';
import { type MessageChange, planDelete, planEdit, wouldCauseWork } from './sync-plan.js';
import type { RelayRecord, SyncOffer } from './types.js';
import { keptSync, UPDATABLE_FROM } from './update.js';

export type { MessageChange } from './sync-plan.js';
export type { SyncMode, SyncSettings } from './types.js';

/** How many event ids a relay remembers; Slack redelivers within minutes, a few suffice. */
const SEEN_EVENTS_KEPT = 20;

export type SyncIntake =
  /** No work: nothing recorded. `reason` is for the debug log. */
  | { type: 'ignored'; reason: string; relayId?: string }
  | { type: 'duplicate'; relayId: string }
  /** Recorded `syncing`: ask the sender (post the question, then settleQuestion). */
  | { type: 'ask'; record: RelayRecord }
  /** Claimed for an update (update.ts carryOutUpdate). */
  | { type: 'update'; record: RelayRecord }
  /** Claimed for a revoke after a delete (revoke.ts carryOutRevoke). */
  | { type: 'revoke'; record: RelayRecord };

/**
 * The relay is being sent, revoked, updated or asked about right now, and this change would need
 * work on it. Nothing is recorded: the front door does not ack, so Slack delivers the event again
 * (after about a minute, then five), when the work in progress is done.
 */
export class RelayBusyError extends Error {
  readonly code = 'relay_busy';
  constructor(
    readonly relayId: string,
    readonly status: string,
  ) {
    super(`relay ${relayId} is busy (${status}); the event is left for Slack to deliver again`);
    this.name = 'RelayBusyError';
  }
}

/** Records what a change of a Slack message causes, one answer per relay of that message. */
export async function receiveMessageChange(deps: RelayDeps, change: MessageChange): Promise<SyncIntake[]> {
  const settings = deps.settings.sync;
  const mode = change.kind === 'edit' ? settings.edits : settings.deletes;
  if (mode === 'off') return [{ type: 'ignored', reason: `sync.${change.kind}s is off` }];
  if (change.kind === 'edit') {
    if (change.fromBot) return [{ type: 'ignored', reason: 'edited by a bot' }];
    if (change.previousText !== undefined && change.previousText === change.text)
      return [{ type: 'ignored', reason: 'the text did not change' }];
  }
  const relays = await relaysOfMessage(deps.store, change.ref);
  if (relays.length === 0) return [{ type: 'ignored', reason: 'the message was never relayed' }];
  const intakes: SyncIntake[] = [];
  for (const { record } of relays) intakes.push(await receiveForRelay(deps, record, change, mode));
  return intakes;
}

async function receiveForRelay(
  deps: RelayDeps,
  found: RelayRecord,
  change: MessageChange,
  mode: 'ask' | 'auto',
  attempt = 0,
): Promise<SyncIntake> {
  if (found.sync?.seenEvents.includes(change.eventId)) return { type: 'duplicate', relayId: found.id };
  if (IN_WORK.includes(found.status) && wouldCauseWork(found, change))
    throw new RelayBusyError(found.id, found.status);
  const plan = change.kind === 'edit' ? planEdit(deps, found, change, mode) : planDelete(deps, found, mode);
  if ('reason' in plan) return { type: 'ignored', reason: plan.reason, relayId: found.id };
  const seenEvents = [...(found.sync?.seenEvents ?? []), change.eventId].slice(-SEEN_EVENTS_KEPT);
  try {
    const record = await deps.store.update(
      found.id,
      { ...plan.change, lease: leaseForMe(deps), sync: { ...plan.sync, seenEvents } },
      (current) =>
        current.status === found.status &&
        current.updatedAt === found.updatedAt &&
        !current.sync?.seenEvents.includes(change.eventId),
    );
    return { type: plan.type, record } as SyncIntake;
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    if (error.current.sync?.seenEvents.includes(change.eventId))
      return { type: 'duplicate', relayId: found.id };
    // Changed between our read and our write (a click, another event): judge it again. Still
    // changing after a few tries: left to Slack's next delivery.
    if (attempt >= 3) throw new RelayBusyError(found.id, error.current.status);
    return receiveForRelay(deps, error.current, change, mode, attempt + 1);
  }
}

/**
 * The question was posted (or could not be): the relay goes back to what it was, the offer
 * stays open for the buttons. Only the holder of the `syncing` lease does it.
 */
export async function settleQuestion(
  deps: RelayDeps,
  record: RelayRecord,
  posted: boolean,
): Promise<RelayRecord> {
  const offer = record.sync?.offer;
  const status = offer?.previousStatus ?? 'sent';
  try {
    return await deps.store.update(
      record.id,
      {
        status,
        lease: undefined,
        sync: {
          seenEvents: record.sync?.seenEvents ?? [],
          ...keptSync(record),
          ...(offer ? { offer: posted ? { ...offer, notifiedAt: deps.now() } : offer } : {}),
        },
      },
      (current) => current.status === 'syncing' && current.lease?.owner === deps.instanceId,
    );
  } catch (error) {
    if (error instanceof StoreConflictError) return error.current;
    throw error;
  }
}

export type DismissOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  | { type: 'stale'; record: RelayRecord }
  | { type: 'dismissed'; record: RelayRecord; kind: SyncOffer['kind'] };

/** Leave it / Keep: the question is closed, the Fxiaoke copy stays as it is. */
export async function dismissOffer(
  deps: RelayDeps,
  relayId: string,
  offerId: string,
  actorId: string,
): Promise<DismissOutcome> {
  const found = await deps.store.findById(relayId);
  if (!found) return { type: 'not_found' };
  if (!mayActOn(deps, found, actorId)) return { type: 'forbidden', record: found };
  const offer = found.sync?.offer;
  if (!offer || offer.id !== offerId) return { type: 'stale', record: found };
  try {
    const record = await deps.store.update(
      found.id,
      { sync: { seenEvents: found.sync?.seenEvents ?? [], ...keptSync(found) } },
      (current) => current.sync?.offer?.id === offerId,
    );
    return { type: 'dismissed', record, kind: offer.kind };
  } catch (error) {
    if (error instanceof StoreConflictError) return { type: 'stale', record: error.current };
    throw error;
  }
}

/**
 * The manual update (the compose window on a message relayed before and edited since): records
 * the offer with the message's current text, so the button updates to exactly what was shown.
 * Undefined when there is nothing to offer.
 */
export async function offerManualUpdate(
  deps: RelayDeps,
  record: RelayRecord,
  text: string,
  actorId: string,
): Promise<SyncOffer | undefined> {
  if (!mayActOn(deps, record, actorId)) return undefined;
  if (!UPDATABLE_FROM.includes(record.status) || text === record.text || text.trim() === '') return undefined;
  const offer: SyncOffer = {
    id: newOfferId(),
    kind: 'edit',
    text,
    previousText: record.text,
    offeredAt: deps.now(),
    notifiedAt: deps.now(),
  };
  try {
    await deps.store.update(
      record.id,
      { sync: { seenEvents: record.sync?.seenEvents ?? [], ...keptSync(record), offer } },
      (current) => UPDATABLE_FROM.includes(current.status),
    );
    return offer;
  } catch (error) {
    if (error instanceof StoreConflictError) return undefined;
    throw error;
  }
}
