/**
 * What a relay is doing, as a value. One table of statuses and their rules (LIFECYCLE: a new status
 * does not compile without a decision in every column), the status sets every module used to keep
 * its own list of (derived here), and `workOf`: the work a record is in, decoded from its status
 * and open requests in one place. Takeovers switch on it, the receipt, the App Home and the CLI
 * render from it, and the rules below answer every "may this relay…?" the use-cases ask.
 */
import { hasRevocableCopy } from './copies.js';
import type { RelayRecord, RelayStatus, SyncOffer, UpdateRequest, WaitingChange } from './types.js';

/** The work a status stands for (workOf refines `sending` and `revoking` into `updating`). */
export type StatusWork = 'intake' | 'sending' | 'revoking' | 'asking' | 'following';

/** What a revoke asked for in a status answers: it starts, or it needs no Fxiaoke call. */
export type RevokeFrom = 'revoke' | 'already_revoked' | 'in_progress' | 'nothing_sent';

export interface StatusRule {
  /** What the status means (docs/operations.md shows this column). */
  means: string;
  /**
   * The work a relay in this status is in, or `null` at rest. Work in progress carries a lease, is
   * taken over when its lease runs out (what the takeover does follows from the work: workOf), and a
   * change of the Slack message that arrives meanwhile waits beside it.
   */
  work: StatusWork | null;
  /** Retention may delete the relay once it is old. Never work in progress: a takeover needs the record. */
  prunable: boolean;
  /** What a revoke asked for answers (a relay with a change waiting answers as the status it acts from). */
  revoke: RevokeFrom;
  /** An update (Update in Fxiaoke, an edit with `sync.edits: auto`) may start from it. */
  updatableFrom: boolean;
}

export const LIFECYCLE = {
  received: {
    means: 'recorded before the ack; not looked at yet (a takeover carries it out after a crash)',
    work: 'intake',
    prunable: false,
    revoke: 'nothing_sent',
    updatableFrom: false,
  },
  pending: {
    means: 'being sent (a first send, or the new text of an update): calls may be under way',
    work: 'sending',
    prunable: false,
    revoke: 'in_progress',
    updatableFrom: false,
  },
  sent: {
    means: 'every batch accepted by Fxiaoke',
    work: null,
    prunable: true,
    revoke: 'revoke',
    updatableFrom: true,
  },
  partial: {
    means: 'some batches accepted, some failed',
    work: null,
    prunable: true,
    revoke: 'revoke',
    updatableFrom: true,
  },
  failed: {
    means:
      'nothing accepted, or nothing attempted (refused, invalid recipients, expired, not taken); the error says why',
    work: null,
    prunable: true,
    revoke: 'nothing_sent',
    updatableFrom: false,
  },
  revoking: {
    means: 'a revoke under way, or the revoke of the old copies of an update',
    work: 'revoking',
    prunable: false,
    revoke: 'in_progress',
    updatableFrom: false,
  },
  revoked: {
    means: 'every accepted message revoked',
    work: null,
    prunable: true,
    revoke: 'already_revoked',
    updatableFrom: false,
  },
  unknown: {
    means: 'a crash or a lost answer: some calls may have been delivered (never re-sent)',
    work: null,
    prunable: true,
    revoke: 'revoke',
    updatableFrom: false,
  },
  held: {
    means:
      'nothing sent: some recipients cannot be reached, and the sender was asked whether to send to the others (the error names who). Confirming makes it `received` again and it goes out as itself (`intake.confirmedBy` set); cancelling makes it `cancelled`',
    // It waits for its sender, not for a process: no lease, and it goes like the rest once old.
    work: null,
    prunable: true,
    revoke: 'nothing_sent',
    updatableFrom: false,
  },
  cancelled: {
    means: 'a held relay its sender cancelled: nothing was sent',
    work: null,
    prunable: true,
    revoke: 'nothing_sent',
    updatableFrom: false,
  },
  confirmed: {
    means:
      'only on records from before held relays went out as themselves: the held relay was confirmed and sent as a separate relay (the error names it)',
    work: null,
    prunable: true,
    revoke: 'nothing_sent',
    updatableFrom: false,
  },
  syncing: {
    means:
      'its Slack message was edited or deleted, and the sender is being asked what to do; back to the status before once the question is posted',
    work: 'asking',
    prunable: false,
    revoke: 'in_progress',
    updatableFrom: false,
  },
  changed: {
    means:
      'edits (or a delete) of its Slack message recorded and not acted on yet (`slackChanges.waiting`): acted on once the message has been quiet for `sync.quietMs`, from the status before',
    work: 'following',
    prunable: false,
    // Never asked: a relay with a change waiting acts as the status before it (actingStatus).
    revoke: 'nothing_sent',
    updatableFrom: false,
  },
} as const satisfies Record<RelayStatus, StatusRule>;

type Rules = typeof LIFECYCLE;

/** A status with no work in progress: where a relay rests, for now or for good. */
export type RestingStatus = { [S in RelayStatus]: Rules[S]['work'] extends null ? S : never }[RelayStatus];

const STATUSES = Object.keys(LIFECYCLE) as RelayStatus[];
const where = (rule: (status: StatusRule) => boolean) => STATUSES.filter((status) => rule(LIFECYCLE[status]));

/** Statuses of work in progress: leased, taken over when the lease runs out, never pruned. */
export const IN_WORK: readonly RelayStatus[] = where((rule) => rule.work !== null);
/** Statuses retention may delete once old. */
export const PRUNABLE_STATUSES: readonly RelayStatus[] = where((rule) => rule.prunable);
/** Statuses a revoke starts from: something reached Fxiaoke and nothing is in work. */
export const REVOCABLE_FROM: readonly RelayStatus[] = where((rule) => rule.revoke === 'revoke');
/** Statuses an update starts from: something reached Fxiaoke and nothing is in work. */
export const UPDATABLE_FROM: readonly RelayStatus[] = where((rule) => rule.updatableFrom);

export function isInWork(status: RelayStatus): boolean {
  return LIFECYCLE[status].work !== null;
}

export function isResting(status: RelayStatus): status is RestingStatus {
  return LIFECYCLE[status].work === null;
}

export function isRevocableFrom(status: RelayStatus): boolean {
  return LIFECYCLE[status].revoke === 'revoke';
}

export function isUpdatableFrom(status: RelayStatus): boolean {
  return LIFECYCLE[status].updatableFrom;
}

/** What a relay is doing: decoded from its status and its open requests here and nowhere else. */
export type RelayWork =
  /** Nothing in progress. */
  | { type: 'idle'; status: RestingStatus }
  /** Recorded at a front door, not carried out yet. */
  | { type: 'intake' }
  /** Its calls are going out (a first send). */
  | { type: 'sending' }
  /** A revoke is under way; whoever asked hears the outcome. */
  | { type: 'revoking'; actorId: string; previousStatus: RelayStatus | undefined }
  /** Revoking the old copies, then sending the new text (update.ts). */
  | { type: 'updating'; step: 'revoking_old' | 'sending_new'; request: UpdateRequest }
  /** Asking the sender about an edit or delete of the Slack message; then back to `returnsTo`. */
  | { type: 'asking'; offer: SyncOffer | undefined; returnsTo: RelayStatus }
  /**
   * A change of the Slack message (an edit, the last of a burst, or a delete) waits to be acted on
   * once the message is quiet, as the relay was before it: `actsFrom` (actingStatus).
   */
  | { type: 'following'; change: WaitingChange | undefined; actsFrom: RelayStatus };

export function workOf(record: RelayRecord): RelayWork {
  const { status } = record;
  const work = LIFECYCLE[status].work;
  switch (work) {
    case null:
      return { type: 'idle', status: status as RestingStatus };
    case 'intake':
      return { type: 'intake' };
    case 'sending':
      return record.updateRequest
        ? { type: 'updating', step: 'sending_new', request: record.updateRequest }
        : { type: 'sending' };
    case 'revoking':
      // The status is the latest claim's: an update request older than the revoke's was left open.
      if (
        record.updateRequest &&
        !(record.revokeRequest && record.revokeRequest.requestedAt > record.updateRequest.requestedAt)
      )
        return { type: 'updating', step: 'revoking_old', request: record.updateRequest };
      return {
        type: 'revoking',
        actorId: record.revokeRequest?.actorId ?? record.senderId,
        previousStatus: record.revokeRequest?.previousStatus,
      };
    case 'asking':
      return {
        type: 'asking',
        offer: record.sync?.offer,
        returnsTo: record.sync?.offer?.previousStatus ?? 'sent',
      };
    case 'following':
      return { type: 'following', change: record.slackChanges?.waiting, actsFrom: actingStatus(record) };
    default:
      return assertNever(work);
  }
}

/** For switches that must handle every case: a new one fails to compile. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}

/**
 * The status a relay acts from: a relay with a change waiting (`changed`) is what it was before the
 * change was recorded; a revoke, an update and a question all start from there.
 */
export function actingStatus(record: RelayRecord): RelayStatus {
  if (LIFECYCLE[record.status].work !== 'following') return record.status;
  return record.slackChanges?.waiting?.previousStatus ?? 'sent';
}

/**
 * The status a relay reads as to its sender: its own, or — while the sender is asked about a change
 * of the Slack message, or a change waits — the status underneath, which its copies in Fxiaoke have.
 */
export function shownStatus(record: RelayRecord): RelayStatus {
  const work = workOf(record);
  if (work.type === 'asking') return work.returnsTo;
  return work.type === 'following' ? work.actsFrom : record.status;
}

/**
 * At rest: no work in progress and no request left open (an update's request stays open until its
 * new text went out and the update is closed). Work ends with the write that leaves a relay at
 * rest, and a change of the Slack message waiting beside it is handed over in it (finish-work.ts).
 */
export function isAtRest(record: RelayRecord): boolean {
  return isResting(record.status) && !record.updateRequest && !record.revokeRequest;
}

/** Being sent, revoked, updated or asked about right now: a change of the Slack message waits beside it. */
export function isBusy(record: RelayRecord): boolean {
  const work = LIFECYCLE[record.status].work;
  return work !== null && work !== 'following';
}

/**
 * Revocable now: in a status a revoke starts from (edits waiting to be acted on do not count), with
 * a copy it could take back.
 */
export function isRevocable(record: RelayRecord): boolean {
  return isRevocableFrom(actingStatus(record)) && hasRevocableCopy(record);
}
