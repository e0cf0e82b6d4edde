/**
 * The send use-case. Order matters: the request is recorded `received` at the front door
 * (intake.ts) → checked and resolved (carry-out.ts) → `pending` with its batches → one Fxiaoke
 * call per batch, each marked dispatched once the rate budget let it go and right before its
 * request leaves (a call still queued has sent nothing), its answer recorded after → the relay
 * keyed to its Slack receipt once Fxiaoke accepted something → final status. A crash at any point
 * leaves a record that names every call that might have gone out, and only those (takeover.ts).
 */

import type { SendRefusal } from './admission.js';
import {
  type AttachmentDeps,
  copyBatch,
  type ExtraSending,
  hasPendingExtras,
  prepareAttachments,
  sendExtraMessages,
  skipExtraMessages,
} from './attachments.js';
import { compositeOf } from './card.js';
import { failedCallStatus, failureOf, statusFromBatches } from './copies.js';
import type { RelayDeps } from './deps.js';
import { dispatchHook, outcomeOf, TakenOverError } from './dispatch.js';
import { finishWork } from './finish-work.js';
import { anyCallOut, interruption } from './interrupted.js';
import { fenced, holdsLease } from './lease.js';
import { observing, type RelayObserver } from './observer.js';
import { owedBy } from './owed.js';
import { persistently } from './persistently.js';
import { MAX_RECIPIENTS_PER_CALL, type SendTextOptions } from './ports/fxiaoke.js';
import { StoreConflictError } from './ports/store-errors.js';
import { whenReachable } from './reachable.js';
import type { RecipientProblem } from './recipients.js';
import type { OwedAnswer, RelayBatch, RelayError, RelayMessageState, RelayRecord } from './types.js';

/** What a relay reports as it goes (the receipt, a queued line): see RelayObserver. */
export type { QueuedBatch, RelayObserver } from './observer.js';

/** What sending a relay's batches takes: its files' deps, the clock, the lease it holds, the metrics. */
export type SendDeps = AttachmentDeps & Pick<RelayDeps, 'now' | 'instanceId' | 'observer' | 'leaseMs'>;

export type SendOutcome =
  /** Not allowed to send, or over the per-user rate limit: nothing looked up or sent (recorded as refused). */
  | { type: 'refused'; refusal: SendRefusal }
  | { type: 'invalid_recipients'; problems: RecipientProblem[] }
  | { type: 'invalid_text'; problem: string }
  /** Some recipients cannot be reached: nothing sent; `record` waits for the sender to confirm. */
  | { type: 'held'; record: RelayRecord; unreachable: RecipientProblem[] }
  | { type: 'duplicate'; record: RelayRecord }
  /** Received but not carried out within the resume limit (fx-bridge was down): nothing sent. */
  | { type: 'expired'; record: RelayRecord }
  | { type: 'finished'; record: RelayRecord };

/**
 * Only a recipient problem is particular to one batch; any other failure (credentials, quota,
 * permissions, an overloaded or unreachable Fxiaoke, empty content, unknown codes) would fail the
 * later batches too, so the relay stops instead of hammering Fxiaoke.
 */
const CONTINUE_KINDS = new Set(['recipient']);

/**
 * openUserIds (FSUID_…) and employee ids go in separate batches: in header mode one call takes
 * one form only (`convertUserId`, see fxiaoke/client.ts).
 */
export function splitIntoBatches(recipients: readonly string[], size = MAX_RECIPIENTS_PER_CALL): string[][] {
  const batches: string[][] = [];
  const open = recipients.filter((id) => id.startsWith('FSUID_'));
  const other = recipients.filter((id) => !id.startsWith('FSUID_'));
  for (const group of [open, other]) {
    for (let start = 0; start < group.length; start += size) batches.push(group.slice(start, start + size));
  }
  return batches;
}

/** Batches of a relay about to go out, each with the thirdTraceId its call will carry. */
export function draftBatches(
  deps: Pick<RelayDeps, 'newThirdTraceId'>,
  recipients: readonly string[],
): RelayBatch[] {
  return splitIntoBatches(recipients).map((batchRecipients, index) => ({
    index,
    recipients: batchRecipients,
    status: 'pending',
    thirdTraceId: deps.newThirdTraceId(),
  }));
}

/**
 * Sends every batch still `pending`, in order. Each call (a batch's text, each of its image
 * messages) is marked dispatched in the store by the Fxiaoke client's `beforeDispatch`, after the
 * rate budget granted it and right before its request leaves: a crash never leaves a call that may
 * have gone out looking unsent, nor one still waiting for the budget looking dispatched.
 */
export async function sendPendingBatches(
  deps: SendDeps,
  initial: RelayRecord,
  relayObserver: RelayObserver,
  owes?: OwedAnswer['kind'],
): Promise<RelayRecord> {
  const calls = { made: false };
  try {
    return await sendEachPending(deps, initial, relayObserver, calls, owes);
  } catch (error) {
    // An unexpected error (a store outage): whether the sender may hear "part of it may be in Fxiaoke".
    throw interruption(initial.id, calls.made || anyCallOut(initial.batches), error);
  }
}

/** sendPendingBatches' work; `calls.made` once a call of it was marked dispatched (it then leaves). */
async function sendEachPending(
  deps: SendDeps,
  initial: RelayRecord,
  relayObserver: RelayObserver,
  calls: { made: boolean },
  owes: OwedAnswer['kind'] | undefined,
): Promise<RelayRecord> {
  const observer = observing(deps, relayObserver);
  // Images are downloaded and uploaded once, before the first text, which then names the files
  // that cannot be forwarded.
  let record = await prepareAttachments(deps, initial);
  const batches = record.batches.map(copyBatch);
  let anchored = record.slack !== undefined;
  const extras: ExtraSending = {};
  const mine = (current: RelayRecord) => holdsLease(deps, current);
  /** Records a batch's text, or one of its image messages, as dispatched (see markDispatched). */
  const dispatch = async (batch: RelayBatch, message: RelayMessageState = batch): Promise<void> => {
    record = await markDispatched(deps, record, batches, message, batch.index);
    calls.made = true;
  };

  for (const batch of batches) {
    if (!stillToSend(batch)) continue;
    // A resumed batch may have its text out already and only image messages left to send.
    const textToSend = batch.status === 'pending';
    if (textToSend) {
      const stopError = await sendBatch(deps, record, batch, observer, () => dispatch(batch));
      if (stopError) markNotAttempted(batches, batch.index, stopError);
    }
    if (textToSend && batch.status === 'sent' && hasPendingExtras(batch)) {
      // On record before the images go out: a crash then still knows the text's message id.
      const sent = batches.map(copyBatch);
      record = await fenced(deps, record.id, () =>
        persistently(deps, { relayId: record.id, batch }, () =>
          deps.store.update(record.id, { batches: sent }, mine),
        ),
      );
    }
    if (hasPendingExtras(batch)) {
      await sendExtraMessages(deps, record, batch, extras, (message) => dispatch(batch, message));
    }
    // The last write carries the final status, so the receipt is posted or updated once with it.
    const finished = batches.every((each) => each.status !== 'pending' && !hasPendingExtras(each));
    const status = finished ? statusFromBatches(batches) : undefined;
    const firstError = batches.find((each) => each.error)?.error;
    const change = {
      batches: batches.map(copyBatch),
      ...(status ? { status } : {}),
      ...(status && firstError ? { error: firstError } : {}),
      // The outcome and the answer owed about it land together: a crash before the sender hears
      // it leaves the answer for a takeover (owed.ts).
      ...(status && owes ? { owed: owedBy(deps, owes) } : {}),
    };
    // The last write ends the send, and hands over a change of the Slack message recorded meanwhile.
    // Fenced: a process that lost the relay meanwhile must not write its batches over the new owner's.
    record = await fenced(deps, record.id, () =>
      persistently(deps, { relayId: record.id, batch, status }, () =>
        status ? finishWork(deps.store, record.id, change, mine) : deps.store.update(record.id, change, mine),
      ),
    );
    if (batch.status === 'sent' && !anchored) {
      anchored = true;
      record = await anchor(deps, observer, record);
    } else if (anchored) {
      await notifyProgress(deps, observer, record);
    }
    if (status) {
      deps.log.info(
        { relayId: record.id, status, batches: batches.length, recipients: record.recipients.length },
        'relay finished',
      );
      observer.relayFinished?.(status, record);
      break;
    }
  }
  return record;
}

/**
 * Marks one call of the relay dispatched, in a store write that must land before the request
 * leaves. Only the lease holder of the `pending` relay writes it: a process that lost the relay to
 * a takeover (its lease ran out) must not send what the new owner may send too. A write that fails
 * for good (a lost lease, a stop that gave up waiting) throws: the call is not made.
 */
async function markDispatched(
  deps: Pick<RelayDeps, 'store' | 'now' | 'instanceId' | 'log' | 'writesAbandoned'>,
  record: RelayRecord,
  batches: readonly RelayBatch[],
  message: RelayMessageState,
  batchIndex: number,
): Promise<RelayRecord> {
  if (message.dispatchedAt !== undefined) return record;
  message.dispatchedAt = deps.now();
  const marked = batches.map(copyBatch);
  try {
    return await persistently(deps, { relayId: record.id, batch: batchIndex, dispatching: true }, () =>
      deps.store.update(
        record.id,
        { batches: marked },
        (current) =>
          current.status === 'pending' &&
          (current.lease === undefined || current.lease.owner === deps.instanceId),
      ),
    );
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    deps.log.warn(
      { relayId: record.id, batch: batchIndex, owner: error.current.lease?.owner },
      'relay taken over by another process before its call went out; not sent here',
    );
    throw new TakenOverError(record.id);
  }
}

/** One Fxiaoke call; updates the batch in place. Returns the error that should stop later batches. */
async function sendBatch(
  deps: Pick<RelayDeps, 'fxiaoke' | 'now' | 'log' | 'writesAbandoned'>,
  record: RelayRecord,
  batch: RelayBatch,
  observer: RelayObserver,
  dispatch: () => Promise<void>,
): Promise<RelayError | undefined> {
  const onQueued = observer.onQueued;
  try {
    const options: SendTextOptions = {
      thirdTraceId: batch.thirdTraceId,
      beforeDispatch: dispatchHook(dispatch),
      ...(onQueued
        ? {
            onQueued: ({ waitMs }) => {
              const queued = { batchIndex: batch.index, batchCount: record.batches.length, waitMs };
              Promise.resolve()
                .then(() => onQueued(record, queued))
                .catch((error: unknown) =>
                  deps.log.warn({ relayId: record.id, err: error }, 'queued notice failed'),
                );
            },
          }
        : {}),
    };
    // The record's format decides, for the first send and every later one (resume, update).
    const result = await whenReachable(deps, { relayId: record.id, batch: batch.index }, () =>
      record.format === 'card'
        ? deps.fxiaoke.sendComposite(batch.recipients, compositeOf(record), options)
        : deps.fxiaoke.sendText(batch.recipients, record.content, options),
    );
    batch.status = 'sent';
    batch.traceId = result.traceId;
    batch.thirdTraceId = result.thirdTraceId;
    batch.messageId = result.messageId;
    batch.sentAt = deps.now();
    if (record.serviceId && !result.messageId) {
      deps.log.warn(
        { relayId: record.id, batch: batch.index, traceId: result.traceId },
        'service-account send succeeded without a message id; this batch cannot be revoked',
      );
    }
    return undefined;
  } catch (thrown) {
    const cause = outcomeOf(thrown);
    const { error } = failureOf(deps.fxiaoke, cause);
    batch.status = failedCallStatus(error);
    batch.error = error;
    const log = error.kind === 'bug' || error.kind === 'internal' ? deps.log.error : deps.log.warn;
    log.call(deps.log, { relayId: record.id, batch: batch.index, err: cause }, 'Fxiaoke send failed');
    return CONTINUE_KINDS.has(error.kind) ? undefined : error;
  }
}

function markNotAttempted(batches: RelayBatch[], after: number, cause: RelayError): void {
  for (const batch of batches) {
    if (batch.index > after && batch.status === 'pending') {
      batch.status = 'failed';
      batch.error = { ...cause, kind: 'not_attempted', message: `Not attempted: ${cause.message}` };
      skipExtraMessages(batch, batch.error);
    }
  }
}

async function anchor(
  deps: Pick<RelayDeps, 'store' | 'log' | 'writesAbandoned'>,
  observer: RelayObserver,
  record: RelayRecord,
): Promise<RelayRecord> {
  if (!observer.onFirstAccepted) return record;
  try {
    const slack = await observer.onFirstAccepted(record);
    if (!slack) return record;
    return await persistently(deps, { relayId: record.id, slack }, () =>
      deps.store.update(record.id, { slack }),
    );
  } catch (error) {
    deps.log.warn(
      { relayId: record.id, err: error },
      'receipt could not be keyed; the relay stays reachable by id',
    );
    return record;
  }
}

async function notifyProgress(
  deps: Pick<RelayDeps, 'log'>,
  observer: RelayObserver,
  record: RelayRecord,
): Promise<void> {
  if (!observer.onProgress) return;
  try {
    await observer.onProgress(record);
  } catch (error) {
    deps.log.warn({ relayId: record.id, err: error }, 'progress update failed');
  }
}

/**
 * A batch whose text or some image message was neither sent nor given up yet (a resumed relay
 * skips what its first run did).
 */
function stillToSend(batch: RelayBatch): boolean {
  return batch.status === 'pending' || hasPendingExtras(batch);
}
