/**
 * Edits and deletes of relayed Slack messages (`sync.edits`, `sync.deletes` in the config file).
 * The front door hands over a change already read from Slack's event; this module decides, with
 * store calls only (it runs before the ack), whether it causes work, and records that work:
 *
 * - an edit becomes the relay's waiting change (`slackChanges.waiting`, status `changed`): a burst
 *   of edits is one change with the last text, acted on once the message has been quiet for
 *   `sync.quietMs` (sync-waiting.ts); an edit older than one already recorded changes nothing
 *   (waiting-change.ts);
 * - a delete, and an edit with `sync.quietMs: 0`, is acted on at once: `ask` records the question
 *   (status `syncing` with `sync.offer`; a job posts it and puts the relay back, settleQuestion);
 *   `auto` claims the update (update.ts) or the revoke (revoke.ts);
 * - a relay busy right now (being sent, revoked, updated, asked about) keeps its status: the change
 *   is recorded beside the work and acted on once the relay is free. It is acked like any other.
 *
 * Every write is a compare-and-set that also records the event id (`sync.seenEvents`): a
 * redelivered event — a retry, or the same event on another replica — finds it and does nothing.
 * Nothing is recorded for messages without a relay, or for changes that need nothing done. What a
 * change means for one relay (the plan) is worked out in sync-plan.ts.
 */

import type { RelayDeps } from './deps.js';
import { handedOver } from './finish-work.js';
import { newOfferId } from './ids.js';
import { leaseForMe } from './lease.js';
import { actingStatus, isBusy, isUpdatableFrom } from './lifecycle.js';
import { relaysOfMessage } from './message-relays.js';
import { StoreConflictError } from './ports/store-errors.js';
import { mayActOn } from './revoke.js';
import { isBySender, type MessageChange, planDelete, planEdit } from './sync-plan.js';
import type { EditStamp, RelayChange, RelayRecord, RelaySync, SlackChanges, SyncOffer } from './types.js';
import { keptSync } from './update.js';
import { isNewerEdit, newestEdit, unchangedSince, wakeInMs, withDelete, withEdit } from './waiting-change.js';

export type { MessageChange } from './sync-plan.js';
export type { SyncMode, SyncSettings } from './types.js';

/** How many event ids a relay remembers; Slack redelivers within minutes, a few suffice. */
const SEEN_EVENTS_KEPT = 20;

/** Writes that met another write in between are judged again this many times before giving up. */
const RETRIES = 5;

/** Recording a change, and the questions and offers it leads to: store calls and the clock only. */
export type SyncDeps = Pick<RelayDeps, 'store' | 'settings' | 'now' | 'instanceId' | 'leaseMs'>;

export type SyncIntake =
  /** No work: nothing recorded (or only that the edit was seen). `reason` is for the debug log. */
  | { type: 'ignored'; reason: string; relayId?: string }
  | { type: 'duplicate'; relayId: string }
  /** Recorded `syncing`: ask the sender (post the question, then settleQuestion). */
  | { type: 'ask'; record: RelayRecord }
  /** Claimed for an update (update.ts carryOutUpdate). */
  | { type: 'update'; record: RelayRecord }
  /** Claimed for a revoke after a delete (revoke.ts carryOutRevoke). */
  | { type: 'revoke'; record: RelayRecord }
  /** Recorded and not due yet, or beside work in progress: look again (sync-waiting.ts) in `wakeInMs`. */
  | { type: 'waiting'; record: RelayRecord; wakeInMs: number };

/** What one change does to one relay: nothing, or a write and what it starts. */
type Judgement =
  | { reason: string }
  | {
      type: Exclude<SyncIntake['type'], 'duplicate'>;
      reason?: string;
      change: RelayChange;
      sync: Omit<RelaySync, 'seenEvents'>;
    };

/** Records what a change of a Slack message causes, one answer per relay of that message. */
export async function receiveMessageChange(deps: SyncDeps, change: MessageChange): Promise<SyncIntake[]> {
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
  deps: SyncDeps,
  found: RelayRecord,
  change: MessageChange,
  mode: 'ask' | 'auto',
  attempt = 0,
): Promise<SyncIntake> {
  if (found.sync?.seenEvents.includes(change.eventId)) return { type: 'duplicate', relayId: found.id };
  const judged =
    change.kind === 'edit' ? judgeEdit(deps, found, change, mode) : judgeDelete(deps, found, mode);
  if (!('type' in judged)) return { type: 'ignored', reason: judged.reason, relayId: found.id };
  const seenEvents = [...(found.sync?.seenEvents ?? []), change.eventId].slice(-SEEN_EVENTS_KEPT);
  try {
    const record = await deps.store.update(
      found.id,
      { ...judged.change, sync: { ...judged.sync, seenEvents } },
      (current) => unchangedSince(current, found) && !current.sync?.seenEvents.includes(change.eventId),
    );
    if (judged.type === 'ignored') return { type: 'ignored', reason: judged.reason ?? '', relayId: found.id };
    if (judged.type !== 'waiting') return { type: judged.type, record } as SyncIntake;
    return { type: 'waiting', record, wakeInMs: wakeInMs(deps, record) };
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    if (error.current.sync?.seenEvents.includes(change.eventId))
      return { type: 'duplicate', relayId: found.id };
    // Changed between our read and our write (work under way, a click, another event): judge it
    // again. Still changing after a few tries: not acked, left to Slack's next delivery.
    if (attempt >= RETRIES) throw error;
    return receiveForRelay(deps, error.current, change, mode, attempt + 1);
  }
}

function judgeEdit(
  deps: SyncDeps,
  found: RelayRecord,
  change: Extract<MessageChange, { kind: 'edit' }>,
  mode: 'ask' | 'auto',
): Judgement {
  if (!isBySender(found, change)) return { reason: 'not edited by the sender of the relay' };
  const changes = found.slackChanges;
  const waiting = changes?.waiting;
  if (found.sync?.deletedAt !== undefined || waiting?.kind === 'delete')
    return { reason: 'the message was deleted in Slack' };
  if (!isNewerEdit(change.edit, changes?.newestEdit))
    return { reason: 'older than an edit already recorded (delivered late); the newer text stands' };
  const busy = isBusy(found);
  const acting = actingStatus(found);
  if (!busy && !isUpdatableFrom(acting)) return { reason: `nothing to update (${found.status})` };
  const marked: SlackChanges = { ...changes, newestEdit: newestEdit(changes?.newestEdit, change.edit) };
  // An open question about an older text is closed: answering it would put that text back.
  const sync = keptSync(found);
  if (!waiting && change.text === found.text)
    return {
      type: 'ignored',
      reason: 'the relayed text is the same',
      change: { slackChanges: marked },
      sync,
    };
  if (!busy && !waiting && deps.settings.sync.quietMs === 0) {
    const plan = planEdit(deps, found, { text: change.text, ...editOf(change), edits: 1 }, mode);
    if ('reason' in plan) return plan;
    const { waiting: _none, ...kept } = marked;
    return { ...plan, change: { ...plan.change, lease: leaseForMe(deps), slackChanges: kept } };
  }
  const next = withEdit(waiting, change.text, change.edit, deps.now());
  if (busy) return { type: 'waiting', change: { slackChanges: { ...marked, waiting: next } }, sync };
  return {
    type: 'waiting',
    change: {
      status: 'changed',
      lease: leaseForMe(deps),
      slackChanges: { ...marked, waiting: { ...next, previousStatus: acting } },
    },
    sync,
  };
}

function editOf(change: Extract<MessageChange, { kind: 'edit' }>) {
  return change.edit ? { edit: change.edit } : {};
}

function judgeDelete(deps: SyncDeps, found: RelayRecord, mode: 'ask' | 'auto'): Judgement {
  const changes = found.slackChanges;
  if (found.sync?.deletedAt !== undefined || changes?.waiting?.kind === 'delete')
    return { reason: 'already deleted in Slack' };
  // Edits still waiting are moot: the message is gone.
  if (isBusy(found))
    return {
      type: 'waiting',
      change: { slackChanges: { ...changes, waiting: withDelete(deps.now()) } },
      sync: keptSync(found),
    };
  const plan = planDelete(deps, { ...found, status: actingStatus(found) }, mode);
  if ('reason' in plan) return plan;
  const { waiting: _none, ...kept } = changes ?? {};
  return {
    ...plan,
    change: { ...plan.change, lease: leaseForMe(deps), ...(changes ? { slackChanges: kept } : {}) },
  };
}

/**
 * The question was posted (or could not be): the relay goes back to what it was, the offer
 * stays open for the buttons — unless a newer edit closed it meanwhile. Only the holder of the
 * `syncing` lease does it; a change recorded meanwhile is handed over in the same write
 * (finish-work.ts).
 */
export async function settleQuestion(
  deps: SyncDeps,
  record: RelayRecord,
  posted: boolean,
): Promise<RelayRecord> {
  const asked = record.sync?.offer;
  const status = asked?.previousStatus ?? 'sent';
  let current = record;
  for (let attempt = 0; ; attempt++) {
    if (current.status !== 'syncing' || current.lease?.owner !== deps.instanceId) return current;
    const offer = current.sync?.offer;
    const notified = offer && posted && offer.id === asked?.id ? { ...offer, notifiedAt: deps.now() } : offer;
    const seen = current;
    const settled: RelayChange = {
      status,
      lease: undefined,
      sync: {
        seenEvents: current.sync?.seenEvents ?? [],
        ...keptSync(current),
        ...(notified ? { offer: notified } : {}),
      },
    };
    try {
      // A change recorded while the question was posted is handed over in the same write.
      return await deps.store.update(current.id, handedOver(current, settled), (latest) =>
        unchangedSince(latest, seen),
      );
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      if (attempt >= RETRIES) return error.current;
      current = error.current;
    }
  }
}

export type DismissOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  | { type: 'stale'; record: RelayRecord }
  | { type: 'dismissed'; record: RelayRecord; kind: SyncOffer['kind'] };

/** Leave it / Keep: the question is closed, the Fxiaoke copy stays as it is. */
export async function dismissOffer(
  deps: SyncDeps,
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
 * `edit` is when Slack says the message was last edited: the text shown is at least that new, so an
 * edit event up to then, delivered late, changes nothing. Undefined when there is nothing to offer.
 */
export async function offerManualUpdate(
  deps: SyncDeps,
  record: RelayRecord,
  text: string,
  actorId: string,
  edit?: EditStamp,
): Promise<SyncOffer | undefined> {
  if (!mayActOn(deps, record, actorId)) return undefined;
  if (!isUpdatableFrom(record.status) || text === record.text || text.trim() === '') return undefined;
  const offer: SyncOffer = {
    id: newOfferId(),
    kind: 'edit',
    text,
    previousText: record.text,
    offeredAt: deps.now(),
    notifiedAt: deps.now(),
    ...(edit ? { edit } : {}),
  };
  const changes = record.slackChanges;
  const marked = edit
    ? { slackChanges: { ...changes, newestEdit: newestEdit(changes?.newestEdit, edit) } }
    : {};
  try {
    await deps.store.update(
      record.id,
      { sync: { seenEvents: record.sync?.seenEvents ?? [], ...keptSync(record), offer }, ...marked },
      (current) =>
        isUpdatableFrom(current.status) && JSON.stringify(current.slackChanges) === JSON.stringify(changes),
    );
    return offer;
  } catch (error) {
    if (error instanceof StoreConflictError) return undefined;
    throw error;
  }
}
