/**
 * Intake: the one store write a front door makes before Slack hears "OK". The request is kept as
 * typed (status `received`), keyed by the Slack request, so a second delivery finds the first and
 * a crash right after the ack leaves work that any process carries out (carry-out.ts). Nothing
 * slow runs before it: no address book, no Slack profile or group lookup.
 */

import { beforeDeadline } from '../util/deadline.js';
import type { AttachmentRef } from './attachments.js';
import { pendingAttachments } from './attachments.js';
import { cardTextProblem } from './card.js';
import type { RelayDeps } from './deps.js';
import { sourceOf } from './ids.js';
import { leaseForMe } from './lease.js';
import { RelayNotFoundError, StoreConflictError } from './ports/store-errors.js';
import type { RelayFormat, RelayIntake, RelayRecord } from './types.js';

export interface IntakeRequest {
  /** Identifies the Slack request (relay/ids.ts). */
  requestKey: string;
  senderId: string;
  originChannelId: string;
  recipientsInput: string[];
  /** Plain text, as the sender typed it (before attribution). */
  text: string;
  intake: Omit<RelayIntake, 'receivedAt'>;
  attachments?: AttachmentRef[];
  /** `card`: sent as a Fxiaoke card (relay/card.ts); absent or `text`: a text message. */
  format?: RelayFormat;
}

/** What a front door's intake write takes: the store, the clock, new ids, the lease, the deadline. */
export type IntakeDeps = Pick<
  RelayDeps,
  | 'store'
  | 'fxiaoke'
  | 'settings'
  | 'log'
  | 'now'
  | 'newRelayId'
  | 'instanceId'
  | 'leaseMs'
  | 'intakeTimeoutMs'
>;

export type IntakeOutcome =
  | { type: 'accepted'; record: RelayRecord }
  /** The same Slack request came before: answer from its relay, take nothing new. */
  | { type: 'duplicate'; record: RelayRecord }
  /** A mistake in the text itself: nothing written, the sender fixes and sends again. */
  | { type: 'invalid_text'; problem: string }
  /** The store did not take the write in time: nothing was taken and nothing will be sent. */
  | { type: 'unavailable' };

/** `error.kind` of a request nobody will carry out: the form took it back, or its write came too late. */
export const DISCARDED = 'discarded';
export const ABANDONED = 'abandoned';

/** Checks that need no lookup; the text limits hold for every door. */
export function textProblem(deps: Pick<RelayDeps, 'settings'>, text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'The message is empty.';
  const limit = deps.settings.maxMessageLength;
  if (trimmed.length > limit) {
    return `The message is ${trimmed.length} characters long; the limit is ${limit}. Shorten it and try again.`;
  }
  return undefined;
}

export function receivedRecord(
  deps: Pick<RelayDeps, 'now' | 'newRelayId' | 'fxiaoke' | 'instanceId' | 'leaseMs'>,
  request: IntakeRequest,
): RelayRecord {
  const now = deps.now();
  const attachments = pendingAttachments(request.attachments);
  const intake = { ...request.intake, receivedAt: now };
  // The request key names the source (relay/ids.ts); the intake says it for keys of no known shape.
  const source = sourceOf({ requestKey: request.requestKey, intake });
  return {
    id: deps.newRelayId(now),
    requestKey: request.requestKey,
    senderId: request.senderId,
    originChannelId: request.originChannelId,
    text: request.text.trim(),
    content: '',
    recipientsInput: request.recipientsInput,
    recipients: [],
    serviceId: deps.fxiaoke.serviceId,
    batches: [],
    ...(attachments ? { attachments } : {}),
    ...(request.format === 'card' ? { format: 'card' as const } : {}),
    status: 'received',
    intake,
    ...(source ? { source } : {}),
    lease: leaseForMe(deps),
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Records the request within `deps.intakeTimeoutMs`. A write that lands after the door gave up
 * (a Redis command still queued) is turned into an `abandoned` record as soon as it lands, and so
 * is a write that failed but may have landed (the connection dropped after Redis applied it): no
 * process ever acts on a request whose sender was told nothing was taken.
 */
export async function receiveRequest(deps: IntakeDeps, request: IntakeRequest): Promise<IntakeOutcome> {
  const problem =
    textProblem(deps, request.text) ??
    (request.format === 'card' ? cardTextProblem(request.text) : undefined);
  if (problem) return { type: 'invalid_text', problem };
  const record = receivedRecord(deps, request);
  return withinIntake(
    deps,
    writeIntake(deps, record),
    async (landed) => {
      if (landed.type === 'accepted') await abandon(deps, landed.record);
    },
    () => abandonIfLanded(deps, record),
  );
}

/**
 * The intake write without a front door's deadline, for a door that must not ack what it could not
 * record (an Events API delivery: Slack delivers it again). Throws when the store fails.
 * `reusable`: an earlier record of the same request that this one may take the place of.
 */
export async function recordRequest(
  deps: Omit<IntakeDeps, 'intakeTimeoutMs'>,
  request: IntakeRequest,
  reusable?: (existing: RelayRecord) => boolean,
): Promise<Exclude<IntakeOutcome, { type: 'unavailable' }>> {
  const problem = textProblem(deps, request.text);
  if (problem) return { type: 'invalid_text', problem };
  return writeIntake(deps, receivedRecord(deps, request), reusable);
}

async function writeIntake(
  deps: Pick<RelayDeps, 'store'>,
  record: RelayRecord,
  reusable: (existing: RelayRecord) => boolean = () => false,
): Promise<Exclude<IntakeOutcome, { type: 'unavailable' }>> {
  const claim = await deps.store.create(record);
  if (claim.created) return { type: 'accepted', record: claim.record };
  const existing = claim.existing;
  const takesPlace = (current: RelayRecord) => isReusable(current) || reusable(current);
  // The same modal submitted again after its inline errors, or after a write that came too late:
  // that earlier attempt was never taken, so this one takes its place.
  if (!takesPlace(existing)) return { type: 'duplicate', record: existing };
  const reused = await deps.store.update(
    existing.id,
    {
      status: 'received',
      text: record.text,
      recipientsInput: record.recipientsInput,
      intake: record.intake,
      lease: record.lease,
      attachments: record.attachments,
      format: record.format,
      error: undefined,
    },
    takesPlace,
  );
  return { type: 'accepted', record: reused };
}

function isReusable(record: RelayRecord): boolean {
  const kind = record.error?.kind;
  return record.status === 'failed' && (kind === DISCARDED || kind === ABANDONED);
}

const ABANDONED_TEXT = 'Not taken: fx-bridge could not record it in time.';
/** How often an abandon is tried while the store is away: about ten minutes, by the backoff below. */
const ABANDON_ATTEMPTS = 600;

/**
 * The record this very intake write made (or a reused record it took over), still `received`:
 * told by its intake's time, whoever holds its lease now (a replica may have claimed it while this
 * one was cut off from the store, and must not carry it out).
 */
function writtenBy(written: RelayRecord): (current: RelayRecord) => boolean {
  return (current) =>
    current.status === 'received' &&
    current.requestKey === written.requestKey &&
    current.intake?.receivedAt === written.intake?.receivedAt;
}

/** Marks a `received` record nobody may act on; retried while the store is away. */
async function abandon(deps: CloseDeps, record: RelayRecord): Promise<void> {
  await closeIntake(deps, record, ABANDONED, ABANDONED_TEXT, ABANDON_ATTEMPTS, writtenBy(record));
}

/**
 * After an intake write that failed: it may have landed all the same (Redis applied it, then the
 * connection dropped before its answer). Looks it up by its request key once the store answers,
 * and abandons it if it is there: the sender was told nothing would be sent.
 */
async function abandonIfLanded(deps: CloseDeps, written: RelayRecord): Promise<void> {
  for (let attempt = 0; attempt < ABANDON_ATTEMPTS; attempt++) {
    try {
      const found = await deps.store.findByRequestKey(written.requestKey);
      if (!found || !writtenBy(written)(found)) return;
      deps.log.warn({ relayId: found.id }, 'a failed intake write had landed; abandoning it');
      await closeIntake(deps, found, ABANDONED, ABANDONED_TEXT, ABANDON_ATTEMPTS, writtenBy(written));
      return;
    } catch {
      await backoff(attempt);
    }
  }
  deps.log.error({ requestKey: written.requestKey }, 'could not check whether a failed intake write landed');
}

/** The compose form took the request back (inline errors): nothing is carried out. */
export async function discardIntake(deps: CloseDeps, record: RelayRecord): Promise<void> {
  await closeIntake(deps, record, DISCARDED, 'Returned to the form: nothing was sent.', 3);
}

type CloseDeps = Pick<RelayDeps, 'store' | 'instanceId' | 'log'>;

/** The default: still `received`, under this process's own lease. */
function receivedByMe(deps: CloseDeps): (current: RelayRecord) => boolean {
  return (current) => current.status === 'received' && current.lease?.owner === deps.instanceId;
}

async function closeIntake(
  deps: CloseDeps,
  record: RelayRecord,
  kind: string,
  message: string,
  attempts: number,
  expected: (current: RelayRecord) => boolean = receivedByMe(deps),
): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      // Never taken, so never sent: a change of the Slack message recorded beside it is moot, and the
      // record stays \`failed\` for the form's next submission to take over (isReusable).
      await deps.store.update(
        record.id,
        { status: 'failed', error: { kind, message }, lease: undefined },
        expected,
      );
      return;
    } catch (error) {
      if (error instanceof StoreConflictError || error instanceof RelayNotFoundError) return;
      await backoff(attempt);
    }
  }
  deps.log.error({ relayId: record.id, kind }, 'could not close a request that was not taken');
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
}

/**
 * A front door's store work (a claim, a compare-and-set) within `deps.intakeTimeoutMs`. Too slow
 * or failed: `unavailable`, and `undo` runs on whatever lands later, so the sender's "nothing was
 * taken" stays true. A write that failed may have landed too; `undoFailed` looks and undoes it.
 */
export async function withinIntake<T>(
  deps: Pick<RelayDeps, 'intakeTimeoutMs' | 'log'>,
  work: Promise<T>,
  undo: (landed: T) => Promise<void>,
  undoFailed?: () => Promise<void>,
): Promise<T | { type: 'unavailable' }> {
  const settled = await beforeDeadline(
    work.then(
      (value) => ({ value }),
      () => 'failed' as const,
    ),
    deps.intakeTimeoutMs,
  );
  const outcome = settled.inTime ? settled.value : 'late';
  if (outcome === 'failed') {
    deps.log.warn({}, 'front-door store write failed; the sender is told to retry');
    undoFailed?.().catch((error: unknown) =>
      deps.log.error({ err: error }, 'could not undo a failed write that may have landed'),
    );
    return { type: 'unavailable' };
  }
  if (outcome === 'late') {
    deps.log.warn(
      { timeoutMs: deps.intakeTimeoutMs },
      'front-door store write too slow; the sender is told to retry',
    );
    // A late write that fails in the end may have landed as well.
    work
      .then(undo, () => undoFailed?.())
      .catch((error: unknown) => deps.log.error({ err: error }, 'could not undo a late write'));
    return { type: 'unavailable' };
  }
  return outcome.value;
}
