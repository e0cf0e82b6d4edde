/**
 * The update use-case: Fxiaoke has no edit call, so an update revokes every current copy of a
 * relay and sends the new text to the same resolved recipients, in one recorded step:
 *
 *   claim (`revoking` + `updateRequest`, compare-and-set: two clicks or two replicas update once)
 *   → revoke each open message, recorded one by one (revoke.ts)
 *   → `pending` with the new text, new batches (update-content.ts; each with its thirdTraceId)
 *     and the replaced version appended to `versions` — one store write
 *   → the batches go out through the normal send path (send.ts `sendPendingBatches`), so a
 *     crash is resumed like any send: a call that was dispatched (its request may have left)
 *     becomes "may have been delivered", a call still waiting for the rate budget is sent.
 *
 * When an old copy cannot be taken back (no service account, no message id, Fxiaoke refused the
 * revoke) the new text goes out only after the sender agreed to a second copy (`secondCopy`).
 */
import {
  allRevoked,
  messagesOf,
  revokeUncertainCopies,
  statusFromBatches,
  stillOut,
  unrevocableCopies,
} from './copies.js';
import type { RelayDeps } from './deps.js';
import { finishWork } from './finish-work.js';
import { newOfferId } from './ids.js';
import { fenced, holdsLease, leaseForMe } from './lease.js';
import { isInWork, isUpdatableFrom, workOf } from './lifecycle.js';
import type { RelayObserver } from './observer.js';
import { owedBy } from './owed.js';
import { persistently } from './persistently.js';
import { StoreConflictError } from './ports/store-errors.js';
import { mayActOn, type RevokeCallDeps, type RevokeIntakeDeps, revokeOpenMessages } from './revoke.js';
import { type SendDeps, sendPendingBatches } from './send.js';
import type {
  RelayBatch,
  RelayError,
  RelayRecord,
  RelayStatus,
  RelaySync,
  RelayVersion,
  UpdateRequest,
} from './types.js';
import { nextBatches, updatedContent } from './update-content.js';

export interface UpdateAsk {
  relayId: string;
  actorId: string;
  /** The offer a button answers (its id); a stale button (answered, replaced) updates nothing. */
  offerId?: string;
  /** The new text; absent: the offer's. */
  text?: string;
  secondCopy: boolean;
  via: UpdateRequest['via'];
}

/**
 * Why an old copy may stay: no service account, no message id (or a delivery never confirmed),
 * Fxiaoke refused the revoke — or every copy left is one whose revoke's answer was lost
 * (`revoke_uncertain`: it may already be gone, copies.ts REVOKE_UNCERTAIN).
 */
export type SecondCopyReason = 'no_service_account' | 'not_revocable' | 'revoke_refused' | 'revoke_uncertain';

export type UpdateOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  /** The question was answered already, or replaced by a newer one. */
  | { type: 'stale'; record: RelayRecord }
  | { type: 'in_progress'; record: RelayRecord }
  /** Failed, revoked or never sent: there is no copy to update. */
  | { type: 'not_updatable'; record: RelayRecord }
  | { type: 'unchanged'; record: RelayRecord }
  /** Nothing sent: an old copy would stay; the sender must agree to a second copy first. */
  | {
      type: 'needs_second_copy';
      record: RelayRecord;
      reason: SecondCopyReason;
      offerId: string;
      error?: RelayError;
    }
  | { type: 'updated'; record: RelayRecord; keptOld: number };

/** Carrying out a claimed update: the revoke calls, then the new text sent as any send. */
export type UpdateDeps = RevokeCallDeps & SendDeps & Pick<RelayDeps, 'settings' | 'leaseMs'>;

export type UpdateReceived = UpdateOutcome | { type: 'accepted'; record: RelayRecord };

/**
 * The front-door half: find the relay, check who asks and what is asked, and claim it — store
 * calls only, before the ack. Everything that needs no Fxiaoke call is answered here.
 */
export async function receiveUpdate(deps: RevokeIntakeDeps, ask: UpdateAsk): Promise<UpdateReceived> {
  const found = await deps.store.findById(ask.relayId);
  if (!found) return { type: 'not_found' };
  if (!mayActOn(deps, found, ask.actorId)) return { type: 'forbidden', record: found };
  const early = classify(found, ask);
  if (early) return early;
  const offer = found.sync?.offer;
  const text = ask.text ?? offer?.text ?? '';
  const offerId = ask.offerId ?? offer?.id;
  const request: UpdateRequest = {
    actorId: ask.actorId,
    requestedAt: deps.now(),
    text,
    secondCopy: ask.secondCopy,
    via: ask.via,
    previousStatus: found.status,
    ...(offerId ? { offerId } : {}),
  };
  try {
    const record = await deps.store.update(
      found.id,
      {
        status: 'revoking',
        lease: leaseForMe(deps),
        updateRequest: request,
        sync: { seenEvents: found.sync?.seenEvents ?? [], ...keptSync(found) },
      },
      (current) =>
        current.status === found.status &&
        current.updatedAt === found.updatedAt &&
        current.sync?.offer?.id === found.sync?.offer?.id,
    );
    return { type: 'accepted', record };
  } catch (error) {
    // Another click or replica got there first: answer from what the relay is now.
    if (error instanceof StoreConflictError) {
      const current = error.current;
      return classify(current, ask) ?? { type: 'in_progress', record: current };
    }
    throw error;
  }
}

/** A relay's sync state without its question: what stays once the question is closed. */
export function keptSync(record: RelayRecord): Omit<RelaySync, 'seenEvents'> {
  return record.sync?.deletedAt !== undefined ? { deletedAt: record.sync.deletedAt } : {};
}

function classify(record: RelayRecord, ask: UpdateAsk): UpdateOutcome | undefined {
  // A newer edit is waiting (it closed every open question): the button's offer is superseded.
  if (record.status === 'changed' && ask.offerId !== undefined) return { type: 'stale', record };
  if (isInWork(record.status)) return { type: 'in_progress', record };
  if (!isUpdatableFrom(record.status)) return { type: 'not_updatable', record };
  const offer = record.sync?.offer;
  if (ask.offerId !== undefined && (offer?.id !== ask.offerId || offer.kind !== 'edit'))
    return { type: 'stale', record };
  const text = ask.text ?? offer?.text;
  if (text === undefined) return { type: 'stale', record };
  if (text === record.text) return { type: 'unchanged', record };
  if (!ask.secondCopy && unrevocableCopies(record) > 0) {
    return {
      type: 'needs_second_copy',
      record,
      reason: record.serviceId ? 'not_revocable' : 'no_service_account',
      offerId: offer?.id ?? ask.offerId ?? '',
    };
  }
  return undefined;
}

/** Version number of the relay's current text: 1 until the first update. */
export function currentVersion(record: RelayRecord): number {
  return (record.versions?.length ?? 0) + 1;
}

/** When the current version went out. */
export function currentVersionSentAt(record: RelayRecord): number {
  return record.versions?.at(-1)?.replacedAt ?? record.createdAt;
}

/**
 * The second half, here or after a takeover: revoke, then send the new version. Only a relay
 * claimed by receiveUpdate (`revoking` with `updateRequest`) is carried out.
 */
export async function carryOutUpdate(
  deps: UpdateDeps,
  claimed: RelayRecord,
  observer: RelayObserver = {},
): Promise<UpdateOutcome> {
  const work = workOf(claimed);
  if (work.type !== 'updating' || work.step !== 'revoking_old')
    return { type: 'in_progress', record: claimed };
  const { request } = work;
  const { batches, firstError } = claimed.serviceId
    ? await revokeOpenMessages(deps, claimed)
    : { batches: claimed.batches, firstError: undefined };
  const keptOld = stillOut(batches);
  if (!allRevoked(batches) && !request.secondCopy)
    return refusedRevoke(deps, claimed, request, batches, firstError);

  const now = deps.now();
  const version: RelayVersion = {
    number: currentVersion(claimed),
    text: claimed.text,
    content: claimed.content,
    batches,
    sentAt: currentVersionSentAt(claimed),
    replacedAt: now,
  };
  // Not marked dispatched here: each call is, once the rate budget let it go (send.ts), so a crash
  // while the new text waits for the budget sends it after the takeover instead of losing it.
  const next = nextBatches(deps, claimed);
  const pending = await fenced(deps, claimed.id, () =>
    persistently(deps, { relayId: claimed.id, updating: version.number + 1 }, () =>
      deps.store.update(
        claimed.id,
        {
          status: 'pending',
          text: request.text,
          content: updatedContent(deps, claimed, request.text),
          batches: next,
          versions: [...(claimed.versions ?? []), version],
          error: undefined,
          lease: leaseForMe(deps),
        },
        (current) => isRevokingOldCopies(current, request) && holdsLease(deps, current),
      ),
    ),
  );
  deps.log.info(
    { relayId: claimed.id, version: version.number + 1, keptOld, actorId: request.actorId },
    'relay update: old copies revoked, sending the new text',
  );
  const sent = await sendPendingBatches(deps, pending, observer);
  return finishUpdate(deps, sent, { keptOld });
}

/** Still revoking the old copies for this very request (not a newer one's). */
function isRevokingOldCopies(current: RelayRecord, request: UpdateRequest): boolean {
  const work = workOf(current);
  return (
    work.type === 'updating' &&
    work.step === 'revoking_old' &&
    work.request.requestedAt === request.requestedAt
  );
}

/**
 * After the new version's batches settled (here or after a resume): the request is done. The same
 * write records the answer owed to whoever asked (owed.ts): the outcome, or — when a resume found
 * calls that may have been delivered — the notice that fx-bridge was interrupted (`recovered`).
 */
export async function finishUpdate(
  deps: Pick<RelayDeps, 'store' | 'log' | 'writesAbandoned' | 'instanceId' | 'leaseMs' | 'now'>,
  sent: RelayRecord,
  options: { keptOld?: number; owes?: 'update' | 'recovered' } = {},
): Promise<UpdateOutcome> {
  const { keptOld, owes = 'update' } = options;
  const owed = owedBy(deps, owes, sent.updateRequest?.actorId);
  const record = await fenced(deps, sent.id, () =>
    persistently(deps, { relayId: sent.id, updated: true }, () =>
      finishWork(deps.store, sent.id, { updateRequest: undefined, lease: undefined, owed }, (current) =>
        holdsLease(deps, current),
      ),
    ),
  );
  const previous = record.versions?.at(-1);
  // After a takeover: what the revokes left of the replaced version, as the live path counts it.
  const kept = keptOld ?? (previous ? stillOut(previous.batches) : 0);
  deps.log.info(
    { relayId: record.id, status: record.status, version: currentVersion(record) },
    'relay updated',
  );
  return { type: 'updated', record, keptOld: kept };
}

/** Some old copy could not be taken back: nothing new goes out; the sender is asked again. */
async function refusedRevoke(
  deps: Pick<RelayDeps, 'store' | 'log' | 'writesAbandoned' | 'now' | 'instanceId' | 'leaseMs'>,
  claimed: RelayRecord,
  request: UpdateRequest,
  batches: RelayBatch[],
  error: RelayError | undefined,
): Promise<UpdateOutcome> {
  const derived = statusFromBatches(batches);
  const status: RelayStatus =
    derived === 'revoked' ? 'partial' : derived === 'pending' ? request.previousStatus : derived;
  const offerId = request.offerId ?? newOfferId();
  const record = await fenced(deps, claimed.id, () =>
    persistently(deps, { relayId: claimed.id, updateRefused: true }, () =>
      finishWork(
        deps.store,
        claimed.id,
        {
          status,
          batches,
          updateRequest: undefined,
          lease: undefined,
          sync: {
            seenEvents: claimed.sync?.seenEvents ?? [],
            ...keptSync(claimed),
            offer: {
              id: offerId,
              kind: 'edit',
              text: request.text,
              previousText: claimed.text,
              offeredAt: deps.now(),
              notifiedAt: deps.now(),
            },
          },
          // The question is the answer owed to whoever asked (owed.ts).
          owed: owedBy(deps, 'update', request.actorId),
        },
        (current) => holdsLease(deps, current),
      ),
    ),
  );
  deps.log.warn(
    { relayId: claimed.id, err: error },
    'relay update stopped: an old copy could not be revoked',
  );
  return {
    type: 'needs_second_copy',
    record,
    reason: refusalReason(claimed, batches),
    offerId,
    ...(error ? { error } : {}),
  };
}

/**
 * The outcome of the update `record` ended with, read back from the record alone (for an answer
 * owed after a kill, owed.ts): the question about a second copy while its offer is open, else the
 * new text sent, counting what the revokes left of the replaced version as the live path does.
 */
export function recordedUpdateOutcome(record: RelayRecord): UpdateOutcome {
  const offer = record.sync?.offer;
  if (offer?.kind === 'edit') {
    const error = record.batches.flatMap(messagesOf).find((message) => message.revokeError)?.revokeError;
    return {
      type: 'needs_second_copy',
      record,
      reason: refusalReason(record, record.batches),
      offerId: offer.id,
      ...(error ? { error } : {}),
    };
  }
  const previous = record.versions?.at(-1);
  return { type: 'updated', record, keptOld: previous ? stillOut(previous.batches) : 0 };
}

/** Why the revokes left an old copy: uncertain only when every copy left may already be gone. */
function refusalReason(claimed: RelayRecord, batches: readonly RelayBatch[]): SecondCopyReason {
  if (!claimed.serviceId) return 'no_service_account';
  const uncertain = revokeUncertainCopies(batches);
  return uncertain > 0 && uncertain === stillOut(batches) ? 'revoke_uncertain' : 'revoke_refused';
}
