/**
 * The relay's messages in Fxiaoke: what each call (a batch's text, an image message) did, and what
 * follows for the relay — which copies are out, which a revoke could take back, which may have been
 * delivered or revoked without Fxiaoke saying so. Pure rules over the record, for the use-cases and
 * for everything that says what became of a relay.
 */
import { INTERNAL_ERROR_TEXT } from './error-text.js';
import type { CallFailure, FxiaokeApi } from './ports/fxiaoke.js';
import type {
  BatchStatus,
  RelayBatch,
  RelayError,
  RelayMessageState,
  RelayRecord,
  RelayStatus,
} from './types.js';

/**
 * **May have been delivered**: the state of a call whose request may have reached Fxiaoke though no
 * answer said it did — its answer was lost (a timeout after sending, a reset, 50009), or fx-bridge
 * stopped after marking it dispatched. Such a call is recorded with this status, never sent again
 * (that could deliver it twice), never called "not sent", and cannot be revoked (Fxiaoke gave no
 * message id). A relay whose every call either failed or may have been delivered has the relay
 * status of the same name (statusFromBatches).
 */
export const MAY_HAVE_BEEN_DELIVERED = 'unknown' satisfies BatchStatus;

/** Whether this call may have been delivered (see MAY_HAVE_BEEN_DELIVERED). */
export function mayHaveBeenDelivered(call: Pick<RelayMessageState, 'status'>): boolean {
  return call.status === MAY_HAVE_BEEN_DELIVERED;
}

/**
 * `RelayError.kind` of a failed call whose answer was lost on the way after its request left: it
 * may have been delivered. (The Fxiaoke adapter's reading of its own errors sets it.)
 */
export const ANSWER_LOST = 'transport_unknown';

/**
 * What a failed call means: the Fxiaoke adapter's reading of its own failure, or (anything else
 * thrown) an internal error whose details are in the logs only.
 */
export function failureOf(fxiaoke: Pick<FxiaokeApi, 'failureOf'>, thrown: unknown): CallFailure {
  return (
    fxiaoke.failureOf(thrown) ?? {
      error: { kind: 'internal', message: INTERNAL_ERROR_TEXT },
      mayHaveBeenDelivered: false,
    }
  );
}

/** What a failed call is recorded as: may have been delivered when its answer was lost, else failed. */
export function failedCallStatus(error: RelayError): BatchStatus {
  return error.kind === ANSWER_LOST ? MAY_HAVE_BEEN_DELIVERED : 'failed';
}

/** Every Fxiaoke message of a batch, in the order they were sent: the text, then the images. */
export function messagesOf(batch: RelayBatch): RelayMessageState[] {
  return [batch, ...(batch.extraMessages ?? [])];
}

/** Whether a revoke could take back at least one Fxiaoke message of the relay (text or images). */
export function hasRevocableCopy(record: Pick<RelayRecord, 'serviceId' | 'batches'>): boolean {
  return (
    Boolean(record.serviceId) &&
    record.batches.flatMap(messagesOf).some((message) => message.status === 'sent' && message.messageId)
  );
}

/** Copies in Fxiaoke now (text and image messages) that a revoke could not take back for certain. */
export function unrevocableCopies(record: Pick<RelayRecord, 'serviceId' | 'batches'>): number {
  const open = record.batches.flatMap(messagesOf).filter(isOut);
  if (!record.serviceId) return open.length;
  return open.filter((message) => mayHaveBeenDelivered(message) || !message.messageId).length;
}

/** Messages of these batches that are (or may be) still in Fxiaoke after the revokes. */
export function stillOut(batches: readonly RelayBatch[]): number {
  return batches.flatMap(messagesOf).filter(isOut).length;
}

/** Accepted by Fxiaoke, or may have been delivered: a copy may be in Fxiaoke. */
function isOut(message: RelayMessageState): boolean {
  return message.status === 'sent' || mayHaveBeenDelivered(message);
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

/**
 * A copy still recorded as out that may or may not be gone from Fxiaoke: a revoke's answer was
 * lost, or a revoke call left and its answer was never recorded; nothing settled it since.
 */
export function isRevokeUncertain(message: RelayMessageState): boolean {
  return (
    message.status === 'sent' &&
    (message.revokeError?.kind === REVOKE_UNCERTAIN || message.revokeDispatchedAt !== undefined)
  );
}

/** A message of the relay may or may not have been revoked: a revoke's answer was lost and nothing settled it since. */
export function revokeMayHaveLanded(record: Pick<RelayRecord, 'batches'>): boolean {
  return revokeUncertainCopies(record.batches) > 0;
}

/** Messages still recorded as out whose revoke's answer was lost: each may or may not be gone from Fxiaoke. */
export function revokeUncertainCopies(batches: readonly RelayBatch[]): number {
  return batches.flatMap(messagesOf).filter(isRevokeUncertain).length;
}

/** A relay's status follows from its batches; one rule for send, revoke and recovery. */
export function statusFromBatches(batches: readonly RelayBatch[]): RelayStatus {
  const count = (status: BatchStatus) => batches.filter((batch) => batch.status === status).length;
  const sent = count('sent');
  const revoked = count('revoked');
  const unknown = count(MAY_HAVE_BEEN_DELIVERED);
  const pending = count('pending');
  if (pending > 0) return 'pending';
  if (revoked > 0 && sent === 0 && unknown === 0) return 'revoked';
  if (sent + revoked === batches.length) return 'sent';
  if (sent + revoked === 0) return unknown > 0 ? 'unknown' : 'failed';
  return 'partial';
}
