/**
 * The revoke use-case: find the relay, check who asks, claim it (`revoking`, compare-and-set so
 * two clicks or two replicas revoke once), revoke every Fxiaoke message of every batch (its text
 * and its image messages) not yet revoked, recording each answer. Idempotent: messages already
 * revoked are skipped, and a revoked relay says so.
 */

import { copyBatch } from './attachments.js';
import {
  allRevoked,
  failureOf,
  isRevokeUncertain,
  mayHaveBeenDelivered,
  messagesOf,
  REVOKE_UNCERTAIN,
  statusFromBatches,
} from './copies.js';
import type { RelayDeps } from './deps.js';
import { dispatchHook, outcomeOf } from './dispatch.js';
import { finishWork } from './finish-work.js';
import { fenced, holdsLease, leaseForMe } from './lease.js';
import { actingStatus, LIFECYCLE, workOf } from './lifecycle.js';
import { owedBy } from './owed.js';
import { persistently } from './persistently.js';
import type { CallFailure } from './ports/fxiaoke.js';
import { StoreConflictError } from './ports/store-errors.js';
import { whenReachable } from './reachable.js';
import { routedActor } from './route.js';
import type {
  RelayBatch,
  RelayError,
  RelayMessageState,
  RelayRecord,
  RelayStatus,
  SlackMessageRef,
} from './types.js';

export type RevokeTarget = { ref: SlackMessageRef } | { relayId: string };

export interface RevokeRequest {
  target: RevokeTarget;
  actorId: string;
}

/** Claiming a relay for a revoke, before the ack: store calls only. */
export type RevokeIntakeDeps = Pick<RelayDeps, 'store' | 'settings' | 'now' | 'instanceId' | 'leaseMs'>;

/** The revoke calls, each answer recorded as it comes. */
export type RevokeCallDeps = Pick<
  RelayDeps,
  'store' | 'fxiaoke' | 'now' | 'log' | 'writesAbandoned' | 'instanceId' | 'leaseMs'
>;

/** Carrying out a claimed revoke: its calls, and the metrics told how it ended. */
export type RevokeDeps = RevokeCallDeps & Pick<RelayDeps, 'observer'>;

export type RevokeOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  | { type: 'already_revoked'; record: RelayRecord }
  | { type: 'in_progress'; record: RelayRecord }
  | { type: 'nothing_sent'; record: RelayRecord }
  | { type: 'not_revocable'; record: RelayRecord; reason: 'no_service_account' | 'no_message_id' }
  | { type: 'revoked'; record: RelayRecord }
  | { type: 'revoke_failed'; record: RelayRecord; error: RelayError };

/** Who may revoke, update or answer a question about a relay: its sender, and fx-bridge admins. */
export function mayActOn(deps: Pick<RelayDeps, 'settings'>, record: RelayRecord, actorId: string): boolean {
  // A routed relay: whoever reacted may take it back too (its sender is the message's author).
  return (
    record.senderId === actorId || routedActor(record, actorId) || deps.settings.admins.includes(actorId)
  );
}

export async function revokeRelay(
  deps: RevokeIntakeDeps & RevokeDeps,
  request: RevokeRequest,
): Promise<RevokeOutcome> {
  const received = await receiveRevoke(deps, request);
  return received.type === 'accepted' ? carryOutRevoke(deps, received.record) : finished(deps, received);
}

/**
 * The front-door half: find the relay, check who asks, and claim it (`revoking`, with who asked,
 * compare-and-set so two clicks or two replicas revoke once) — store calls only, before the ack.
 * Anything that needs no Fxiaoke call is answered here.
 */
export async function receiveRevoke(
  deps: RevokeIntakeDeps,
  request: RevokeRequest,
): Promise<RevokeOutcome | { type: 'accepted'; record: RelayRecord }> {
  const { target } = request;
  const found =
    'ref' in target
      ? await deps.store.findBySlackMessage(target.ref)
      : await deps.store.findById(target.relayId);
  if (!found) return { type: 'not_found' };
  if (!mayActOn(deps, found, request.actorId)) return { type: 'forbidden', record: found };

  const early = classify(found);
  if (early) return early;
  // An edit waiting for the message to go quiet does not stand in the way (it is moot once revoked).
  const previousStatus = actingStatus(found);

  try {
    const record = await deps.store.update(
      found.id,
      {
        status: 'revoking',
        lease: leaseForMe(deps),
        revokeRequest: { actorId: request.actorId, requestedAt: deps.now(), previousStatus },
      },
      found.status,
    );
    return { type: 'accepted', record };
  } catch (error) {
    // Someone else changed it between our read and our claim: answer from what it is now.
    if (error instanceof StoreConflictError)
      return classify(error.current) ?? { type: 'in_progress', record: error.current };
    throw error;
  }
}

/** The second half: every Fxiaoke revoke call of a claimed relay, here or after a takeover. */
export async function carryOutRevoke(deps: RevokeDeps, claimed: RelayRecord): Promise<RevokeOutcome> {
  const work = workOf(claimed);
  const revoking = work.type === 'revoking' ? work : undefined;
  const previous = revoking?.previousStatus ?? statusFromBatches(claimed.batches);
  const outcome = await revokeBatches(deps, claimed, previous, revoking?.actorId ?? claimed.senderId);
  return finished(deps, outcome);
}

function finished(deps: Pick<RelayDeps, 'observer'>, outcome: RevokeOutcome): RevokeOutcome {
  deps.observer.revokeFinished?.(outcome.type);
  return outcome;
}

/** Answers that need no Fxiaoke call, or undefined when there is something to revoke. */
function classify(record: RelayRecord): RevokeOutcome | undefined {
  const from = LIFECYCLE[actingStatus(record)].revoke;
  if (from !== 'revoke') return { type: from, record };
  if (!record.serviceId) return { type: 'not_revocable', record, reason: 'no_service_account' };
  const open = record.batches
    .flatMap(messagesOf)
    .filter((message) => message.status === 'sent' || mayHaveBeenDelivered(message));
  if (open.length === 0) return { type: 'nothing_sent', record };
  if (!open.some((message) => message.messageId))
    return { type: 'not_revocable', record, reason: 'no_message_id' };
  return undefined;
}

async function revokeBatches(
  deps: RevokeCallDeps,
  claimed: RelayRecord,
  previousStatus: RelayStatus,
  actorId: string,
): Promise<RevokeOutcome> {
  const { batches, firstError } = await revokeOpenMessages(deps, claimed);
  const everythingRevoked = allRevoked(batches);
  const status: RelayStatus = everythingRevoked ? 'revoked' : restoredStatus(batches, previousStatus);
  const now = deps.now();
  const record = await fenced(deps, claimed.id, () =>
    persistently(deps, { relayId: claimed.id, status }, () =>
      finishWork(
        deps.store,
        claimed.id,
        // Fenced on the lease, and nothing else: each answer of Fxiaoke is on record already (above),
        // and a process that lost the relay to a takeover leaves the ending to the new owner.
        {
          status,
          batches,
          revokeRequest: undefined,
          ...(everythingRevoked ? { revokedBy: actorId, revokedAt: now } : {}),
          // Whoever asked hears the outcome, after a kill right now too (owed.ts).
          owed: owedBy(deps, 'revoke', actorId),
        },
        (current) => holdsLease(deps, current),
      ),
    ),
  );
  deps.log.info({ relayId: record.id, status, actorId }, 'revoke finished');
  if (everythingRevoked) return { type: 'revoked', record };
  return {
    type: 'revoke_failed',
    record,
    error: firstError ?? unrevocableParts(batches),
  };
}

/**
 * What a finished revoke came to, read from its record alone (its outcome was told by no one: the
 * process that carried it out stopped first, owed.ts): as revokeBatches returned it.
 */
export function revokeOutcomeOf(record: RelayRecord): RevokeOutcome {
  if (record.status === 'revoked') return { type: 'revoked', record };
  const firstError = record.batches.flatMap(messagesOf).find((message) => message.revokeError)?.revokeError;
  return { type: 'revoke_failed', record, error: firstError ?? unrevocableParts(record.batches) };
}

/**
 * Revokes every Fxiaoke message of a claimed relay still out there (sent, with a message id),
 * recording each answer as it comes: the part of a revoke that an update (update.ts) shares.
 */
export async function revokeOpenMessages(
  deps: RevokeCallDeps,
  claimed: RelayRecord,
): Promise<{ batches: RelayBatch[]; firstError: RelayError | undefined }> {
  const batches = claimed.batches.map(copyBatch);
  let firstError: RelayError | undefined;
  for (const batch of batches) {
    for (const message of messagesOf(batch)) {
      if (message.status !== 'sent' || !message.messageId) continue;
      // A lost answer, or a call that left with nobody left to record its answer (a kill -9, a
      // replica taken over): "already revoked" may be the truth now.
      const uncertainBefore = isRevokeUncertain(message);
      const messageId = message.messageId;
      const mark = () => markRevokeDispatched(deps, claimed.id, batches, message);
      try {
        const result = await whenReachable(deps, { relayId: claimed.id, messageId }, () =>
          deps.fxiaoke.revoke(messageId, { beforeDispatch: dispatchHook(mark) }),
        );
        message.status = 'revoked';
        message.revokedAt = deps.now();
        message.revokeTraceId = result.traceId;
        delete message.revokeError;
        delete message.revokeDispatchedAt;
      } catch (thrown) {
        // A dispatch mark the store would not take: nothing went out (thrown on, as for a send).
        const cause = outcomeOf(thrown);
        delete message.revokeDispatchedAt;
        const failure = failureOf(deps.fxiaoke, cause);
        const done = uncertainBefore && isDoneAnswer(deps, failure);
        if (done) {
          // The lost first attempt did revoke it: Fxiaoke now says "already revoked" / "no such message".
          message.status = 'revoked';
          message.revokedAt = deps.now();
          message.revokeTraceId = failure.error.traceId;
          delete message.revokeError;
        } else {
          message.revokeError = revokeErrorOf(failure, uncertainBefore);
          firstError ??= message.revokeError;
        }
        deps.log.warn(
          { relayId: claimed.id, batch: batch.index, messageId: message.messageId, err: cause },
          'Fxiaoke revoke failed',
        );
      }
      // Recorded message by message: after a crash mid-revoke, a second revoke skips what is done.
      // Fenced: once another process took the relay over (this one's lease lapsed), these batches
      // may be an older version's, and written now they would replace the new owner's.
      const snapshot = batches.map(copyBatch);
      await fenced(deps, claimed.id, () =>
        persistently(deps, { relayId: claimed.id, batch, messageId: message.messageId }, () =>
          deps.store.update(claimed.id, { batches: snapshot }, (current) => holdsLease(deps, current)),
        ),
      );
    }
  }

  return { batches, firstError };
}

/**
 * Records a revoke call as dispatched, right before its request leaves (`beforeDispatch`): should
 * the process die before it records the answer, whoever revokes next knows the message may already
 * be gone. Fenced on the lease like every write of the work (lease.ts fenced).
 */
async function markRevokeDispatched(
  deps: RevokeCallDeps,
  relayId: string,
  batches: RelayBatch[],
  message: RelayMessageState,
): Promise<void> {
  message.revokeDispatchedAt = deps.now();
  const marked = batches.map(copyBatch);
  try {
    await fenced(deps, relayId, () =>
      persistently(deps, { relayId, messageId: message.messageId, dispatching: true }, () =>
        deps.store.update(relayId, { batches: marked }, (current) => holdsLease(deps, current)),
      ),
    );
  } catch (error) {
    delete message.revokeDispatchedAt;
    throw error;
  }
}

/**
 * Whether Fxiaoke's refusal of a revoke that follows a lost one means the lost one landed. Only the
 * codes an operator lists in FXIAOKE_REVOKE_DONE_CODES, and none by default: no documented or
 * observed Fxiaoke code means "already revoked" (error-table.ts has none; the emulator's 90409 and
 * 90404 are its own inventions, 9xxxx so they never pass for real ones). A code wrongly taken for
 * "done" would tell the sender "revoked" while the message is still in Fxiaoke, and take the
 * Revoke button away; an unlisted one only keeps the relay uncertain, caveat and button kept.
 */
function isDoneAnswer(deps: Pick<RelayDeps, 'fxiaoke'>, failure: CallFailure): boolean {
  const codes = deps.fxiaoke.revokeDoneCodes ?? [];
  const code = failure.error.code;
  return code !== undefined && codes.includes(code);
}

/**
 * What the record keeps of a failed revoke: uncertain when it may have acted, and still uncertain
 * after such a one (with the code and traceId of the latest answer), so the receipt and every
 * later answer keep saying the message may already be gone.
 */
function revokeErrorOf(failure: CallFailure, uncertainBefore: boolean): RelayError {
  const { error } = failure;
  if (failure.mayHaveBeenDelivered) {
    return {
      ...error,
      kind: REVOKE_UNCERTAIN,
      message: `${error.message} Fxiaoke may already have revoked it: its answer was lost. Revoke again to settle it.`,
    };
  }
  if (!uncertainBefore) return error;
  return {
    ...error,
    kind: REVOKE_UNCERTAIN,
    message: `${error.message} An earlier revoke whose answer was lost may already have worked.`,
  };
}

/** After a failed or partial revoke the relay goes back to what it was, with revoked batches noted. */
function restoredStatus(batches: RelayRecord['batches'], previousStatus: RelayStatus): RelayStatus {
  const derived = statusFromBatches(batches);
  return derived === 'revoked' ? 'partial' : previousStatus === 'unknown' ? 'unknown' : derived;
}

/** Why some batches were left alone: no message id, or an outcome nobody knows. */
function unrevocableParts(batches: RelayRecord['batches']): RelayError {
  const count = (matches: (message: RelayMessageState) => boolean) => {
    const texts = batches.filter(matches).length;
    const images = batches.flatMap((batch) => batch.extraMessages ?? []).filter(matches).length;
    return { texts, images, all: texts + images };
  };
  const unknown = count(mayHaveBeenDelivered);
  const withoutId = count((message) => message.status === 'sent' && !message.messageId);
  const parts = [
    unknown.all > 0 ? `${messageCount(unknown)} whose delivery Fxiaoke never confirmed` : '',
    withoutId.all > 0 ? `${messageCount(withoutId)} Fxiaoke returned no message id for` : '',
  ].filter(Boolean);
  return {
    kind: unknown.all > 0 ? 'outcome_unknown' : 'no_message_id',
    message: `Everything revocable was revoked, but not ${parts.join(' or ')}: those cannot be revoked.`,
  };
}

/** "2 batches", "1 image message", "1 batch and 2 image messages". */
function messageCount(count: { texts: number; images: number }): string {
  const parts = [
    count.texts > 0 ? `${count.texts} batch${count.texts === 1 ? '' : 'es'}` : '',
    count.images > 0 ? `${count.images} image message${count.images === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return parts.join(' and ');
}

/**
 * Undoes a `revoking` claim (a revoke's, or an update's) that landed after the actor was told
 * nothing was taken: the relay goes back to what it was.
 */
export async function releaseClaim(
  deps: Pick<RelayDeps, 'store' | 'instanceId'>,
  claimed: RelayRecord,
): Promise<void> {
  const work = workOf(claimed);
  const previous =
    (work.type === 'revoking' ? work.previousStatus : undefined) ??
    (work.type === 'updating' ? work.request.previousStatus : undefined) ??
    'sent';
  await finishWork(
    deps.store,
    claimed.id,
    { status: previous, lease: undefined, revokeRequest: undefined, updateRequest: undefined },
    (current) => current.status === 'revoking' && current.lease?.owner === deps.instanceId,
  );
}
