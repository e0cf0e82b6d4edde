/**
 * The revoke use-case: find the relay, check who asks, claim it (`revoking`, compare-and-set so
 * two clicks or two replicas revoke once), revoke every Fxiaoke message of every batch (its text
 * and its image messages) not yet revoked, recording each answer. Idempotent: messages already
 * revoked are skipped, and a revoked relay says so.
 */
import { isFxiaokeError } from '../fxiaoke/errors.js';
import { StoreConflictError } from '../store/errors.js';
import { copyBatch } from './attachments.js';
import { persistently, type RelayDeps, statusFromBatches, toRelayError } from './deps.js';
import { leaseForMe } from './lease.js';
import { routedActor } from './route.js';
import type {
  RelayBatch,
  RelayError,
  RelayMessageState,
  RelayRecord,
  RelayStatus,
  SlackMessageRef,
} from './types.js';
import { statusToActFrom } from './waiting-change.js';

export type RevokeTarget = { ref: SlackMessageRef } | { relayId: string };

export interface RevokeRequest {
  target: RevokeTarget;
  actorId: string;
}

export type RevokeOutcome =
  | { type: 'not_found' }
  | { type: 'forbidden'; record: RelayRecord }
  | { type: 'already_revoked'; record: RelayRecord }
  | { type: 'in_progress'; record: RelayRecord }
  | { type: 'nothing_sent'; record: RelayRecord }
  | { type: 'not_revocable'; record: RelayRecord; reason: 'no_service_account' | 'no_message_id' }
  | { type: 'revoked'; record: RelayRecord }
  | { type: 'revoke_failed'; record: RelayRecord; error: RelayError };

export const REVOCABLE_FROM: readonly RelayStatus[] = ['sent', 'partial', 'unknown'];

/** Whether a revoke could take back at least one Fxiaoke message of the relay (text or images). */
export function hasRevocableCopy(record: Pick<RelayRecord, 'serviceId' | 'batches'>): boolean {
  return (
    Boolean(record.serviceId) &&
    record.batches.flatMap(messagesOf).some((message) => message.status === 'sent' && message.messageId)
  );
}

/**
 * Revocable now: in a status a revoke starts from (edits waiting to be acted on do not count), with
 * a copy it could take back.
 */
export function isRevocable(record: RelayRecord): boolean {
  return REVOCABLE_FROM.includes(statusToActFrom(record)) && hasRevocableCopy(record);
}

/** Who may revoke, update or answer a question about a relay: its sender, and fx-bridge admins. */
export function mayActOn(deps: RelayDeps, record: RelayRecord, actorId: string): boolean {
  // A routed relay: whoever reacted may take it back too (its sender is the message's author).
  return (
    record.senderId === actorId || routedActor(record, actorId) || deps.settings.admins.includes(actorId)
  );
}

export async function revokeRelay(deps: RelayDeps, request: RevokeRequest): Promise<RevokeOutcome> {
  const received = await receiveRevoke(deps, request);
  return received.type === 'accepted' ? carryOutRevoke(deps, received.record) : finished(deps, received);
}

/**
 * The front-door half: find the relay, check who asks, and claim it (`revoking`, with who asked,
 * compare-and-set so two clicks or two replicas revoke once) — store calls only, before the ack.
 * Anything that needs no Fxiaoke call is answered here.
 */
export async function receiveRevoke(
  deps: RelayDeps,
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
  const previousStatus = statusToActFrom(found);

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
export async function carryOutRevoke(deps: RelayDeps, claimed: RelayRecord): Promise<RevokeOutcome> {
  const request = claimed.revokeRequest;
  const previous = request?.previousStatus ?? statusFromBatches(claimed.batches);
  const outcome = await revokeBatches(deps, claimed, previous, request?.actorId ?? claimed.senderId);
  return finished(deps, outcome);
}

function finished(deps: RelayDeps, outcome: RevokeOutcome): RevokeOutcome {
  deps.observer.revokeFinished?.(outcome.type);
  return outcome;
}

/** Answers that need no Fxiaoke call, or undefined when there is something to revoke. */
function classify(record: RelayRecord): RevokeOutcome | undefined {
  const status = statusToActFrom(record);
  if (status === 'revoked') return { type: 'already_revoked', record };
  if (status === 'pending' || status === 'revoking' || status === 'syncing')
    return { type: 'in_progress', record };
  if (!REVOCABLE_FROM.includes(status)) return { type: 'nothing_sent', record };
  if (!record.serviceId) return { type: 'not_revocable', record, reason: 'no_service_account' };
  const open = record.batches
    .flatMap(messagesOf)
    .filter((message) => message.status === 'sent' || message.status === 'unknown');
  if (open.length === 0) return { type: 'nothing_sent', record };
  if (!open.some((message) => message.messageId))
    return { type: 'not_revocable', record, reason: 'no_message_id' };
  return undefined;
}

async function revokeBatches(
  deps: RelayDeps,
  claimed: RelayRecord,
  previousStatus: RelayStatus,
  actorId: string,
): Promise<RevokeOutcome> {
  const { batches, firstError } = await revokeOpenMessages(deps, claimed);
  const everythingRevoked = allRevoked(batches);
  const status: RelayStatus = everythingRevoked ? 'revoked' : restoredStatus(batches, previousStatus);
  const now = deps.now();
  const record = await persistently(deps, { relayId: claimed.id, status }, () =>
    deps.store.update(
      claimed.id,
      // No compare-and-set here: Fxiaoke has acted, and the record must say so even if a
      // recovering replica touched the relay meanwhile.
      everythingRevoked
        ? { status, batches, revokedBy: actorId, revokedAt: now, revokeRequest: undefined }
        : { status, batches, revokeRequest: undefined },
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
 * Revokes every Fxiaoke message of a claimed relay still out there (sent, with a message id),
 * recording each answer as it comes: the part of a revoke that an update (update.ts) shares.
 */
export async function revokeOpenMessages(
  deps: RelayDeps,
  claimed: RelayRecord,
): Promise<{ batches: RelayBatch[]; firstError: RelayError | undefined }> {
  const batches = claimed.batches.map(copyBatch);
  let firstError: RelayError | undefined;
  for (const batch of batches) {
    for (const message of messagesOf(batch)) {
      if (message.status !== 'sent' || !message.messageId) continue;
      const uncertainBefore = message.revokeError?.kind === REVOKE_UNCERTAIN;
      try {
        const result = await deps.fxiaoke.revoke(message.messageId);
        message.status = 'revoked';
        message.revokedAt = deps.now();
        message.revokeTraceId = result.traceId;
        delete message.revokeError;
      } catch (cause) {
        const done = uncertainBefore && isDoneAnswer(deps, cause);
        if (done) {
          // The lost first attempt did revoke it: Fxiaoke now says "already revoked" / "no such message".
          message.status = 'revoked';
          message.revokedAt = deps.now();
          message.revokeTraceId = isFxiaokeError(cause) ? cause.traceId : undefined;
          delete message.revokeError;
        } else {
          message.revokeError = revokeErrorOf(cause, uncertainBefore);
          firstError ??= message.revokeError;
        }
        deps.log.warn(
          { relayId: claimed.id, batch: batch.index, messageId: message.messageId, err: cause },
          'Fxiaoke revoke failed',
        );
      }
      // Recorded message by message: after a crash mid-revoke, a second revoke skips what is done.
      const snapshot = batches.map(copyBatch);
      await persistently(deps, { relayId: claimed.id, batch, messageId: message.messageId }, () =>
        deps.store.update(claimed.id, { batches: snapshot }),
      );
    }
  }

  return { batches, firstError };
}

/** Nothing of the relay is left in Fxiaoke that a revoke could take back. */
export function allRevoked(batches: readonly RelayBatch[]): boolean {
  return batches.every((batch) =>
    messagesOf(batch).every((message) => message.status === 'revoked' || message.status === 'failed'),
  );
}

/**
 * `revokeError.kind` of a message whose revoke went out but whose answer was lost (timeout, reset,
 * 50009): Fxiaoke may have revoked it. The message stays revocable, and stays uncertain through
 * every later failed revoke, whatever Fxiaoke answers then (a refusal after a lost revoke may well
 * be "already revoked"), until a revoke succeeds or is answered with a FXIAOKE_REVOKE_DONE_CODES
 * code (settled as revoked).
 */
export const REVOKE_UNCERTAIN = 'revoke_uncertain';

/** A message of the relay may or may not have been revoked: a revoke's answer was lost and nothing settled it since. */
export function revokeMayHaveLanded(record: Pick<RelayRecord, 'batches'>): boolean {
  return record.batches
    .flatMap(messagesOf)
    .some((message) => message.status === 'sent' && message.revokeError?.kind === REVOKE_UNCERTAIN);
}

/**
 * Whether Fxiaoke's refusal of a revoke that follows a lost one means the lost one landed. Only the
 * codes an operator lists in FXIAOKE_REVOKE_DONE_CODES, and none by default: no documented or
 * observed Fxiaoke code means "already revoked" (error-table.ts has none; the emulator's 90409 and
 * 90404 are its own inventions, 9xxxx so they never pass for real ones). A code wrongly taken for
 * "done" would tell the sender "revoked" while the message is still in Fxiaoke, and take the
 * Revoke button away; an unlisted one only keeps the relay uncertain, caveat and button kept.
 */
function isDoneAnswer(deps: RelayDeps, cause: unknown): boolean {
  const codes = deps.fxiaoke.revokeDoneCodes ?? [];
  return isFxiaokeError(cause) && cause.errorCode !== undefined && codes.includes(cause.errorCode);
}

/**
 * What the record keeps of a failed revoke: uncertain when it may have acted, and still uncertain
 * after such a one (with the code and traceId of the latest answer), so the receipt and every
 * later answer keep saying the message may already be gone.
 */
function revokeErrorOf(cause: unknown, uncertainBefore: boolean): RelayError {
  const error = toRelayError(cause);
  if (isFxiaokeError(cause) && cause.mayHaveBeenDelivered) {
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

/** Every Fxiaoke message of a batch, in the order they were sent: the text, then the images. */
export function messagesOf(batch: RelayBatch): RelayMessageState[] {
  return [batch, ...(batch.extraMessages ?? [])];
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
  const unknown = count((message) => message.status === 'unknown');
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
export async function releaseClaim(deps: RelayDeps, claimed: RelayRecord): Promise<void> {
  const previous = claimed.revokeRequest?.previousStatus ?? claimed.updateRequest?.previousStatus ?? 'sent';
  await deps.store.update(
    claimed.id,
    { status: previous, lease: undefined, revokeRequest: undefined, updateRequest: undefined },
    (current) => current.status === 'revoking' && current.lease?.owner === deps.instanceId,
  );
}
