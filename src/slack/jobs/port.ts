/**
 * What listeners ask of the relay jobs, as ListenerContext names it. An interface of its own
 * because the jobs take a ListenerContext: context.ts naming the RelayJobs class would make the
 * two import each other. RelayJobs implements it, so the two cannot drift apart.
 */
import type { ConfirmationIntake, RevokeIntake, Unavailable } from '../../relay/facade.js';
import type { HeldOutcome } from '../../relay/held.js';
import type { IntakeOutcome } from '../../relay/intake.js';
import type { RevokeOutcome } from '../../relay/revoke.js';
import type { RoutedIntake } from '../../relay/route.js';
import type { SyncIntake } from '../../relay/sync.js';
import type { RelayRecord } from '../../relay/types.js';
import type { Answer, PortableResponseUrl } from './answer.js';

/** A received send as a door hands it over: "not taken" is the door's own answer (on its ack). */
export type ReceivedSend = Exclude<IntakeOutcome, Unavailable>;

/**
 * RELAY_WORKERS fork|none: work handed to the workers instead of run here (relay/handoff.ts), with
 * the door's response_url where the worker can use it (`fork`).
 */
export interface HandOff {
  /** An accepted send. */
  send(record: RelayRecord, responseUrl?: PortableResponseUrl): Promise<void>;
  /**
   * Relays claimed for revoking (`fork` only: its worker is told over the fork's channel; workers
   * apart, `none`, cannot be, so there revokes run in the receiver).
   */
  revoke?(revoke: HandedOffRevoke): Promise<void>;
  /** A claimed update (`fork` only, as revokes). */
  update?(update: HandedOffUpdate): Promise<void>;
}

/**
 * Where an update's answer goes, in a form that can travel to a forked worker: the door's
 * response_url (and the channel to fall back to), else a DM to `userId`.
 */
export interface UpdateAnswerTo {
  userId: string;
  responseUrl?: PortableResponseUrl;
  channelId?: string;
}

/** An update as the receiver hands it to its forked worker: claimed (`revoking` + its request) under the receiver's lease. */
export interface HandedOffUpdate extends UpdateAnswerTo {
  relayId: string;
}

/** A revoke as the receiver hands it to its forked worker: never recorded, never logged. */
export interface HandedOffRevoke {
  /** Claimed for revoking by the receiver (`revoking`, under its lease): the worker claims them from it. */
  relayIds: string[];
  /** The outcomes that needed no Fxiaoke call, answered together with the others. */
  answered: RevokeOutcome[];
  actorId: string;
  /** The door's response_url (a button in a message, the shortcut); absent for a click in App Home, whose Home then says what happened. */
  responseUrl?: PortableResponseUrl;
  /** Where to answer once Slack no longer takes the response_url. */
  channelId?: string;
}

/** Where a revoke's answer can go, should a forked worker carry it out. */
export interface RevokeOptions {
  responseUrl?: PortableResponseUrl;
  channelId?: string;
}

/** Options of a send: where else its answers go. */
export interface SendOptions {
  /** A held relay's confirmation: its held message, replaced in place (only here). */
  heldAnswer?: Answer;
  /** The door's response_url, for a worker that carries the send out (RELAY_WORKERS=fork). */
  responseUrl?: PortableResponseUrl;
}

/** Edits and deletes of relayed messages (jobs/sync-jobs.ts), as the doors use them. */
export interface SyncJobsPort {
  /** What the message-event door recorded before its ack: each piece of work goes to the queue. */
  handle(intakes: readonly SyncIntake[]): void;
  /**
   * A claimed update (Update in Fxiaoke, or a manual update): carried out, then answered. With
   * `answerTo` (where `answer` goes, said so it can travel), a forked worker may carry it out.
   */
  update(record: RelayRecord, answer: Answer, answerTo?: UpdateAnswerTo): void;
}

export interface RelayJobsPort {
  /** Edits and deletes of relayed messages: questions, updates, revokes after a delete. */
  readonly sync: SyncJobsPort;
  send(received: ReceivedSend, answer: Answer, options?: SendOptions): Promise<void>;
  confirm(received: ConfirmationIntake | Unavailable, heldAnswer: Answer): Promise<void>;
  cancelled(outcome: HeldOutcome | Unavailable, answer: Answer, userId: string): Promise<void>;
  revoke(
    received: RevokeIntake | Unavailable,
    actorId: string,
    answer: Answer | undefined,
    options?: RevokeOptions,
  ): Promise<void>;
  /**
   * What a routed channel's event recorded before its ack: carried out quietly, failures told
   * privately to `who` (the author, or whoever reacted).
   */
  routed(intake: RoutedIntake, who: { channelId: string; userId: string }): void;
  /** Resolves once nothing handed over is queued, running or still being answered. */
  idle(): Promise<void>;
  /** A relay another (or an earlier) process left in work; this process holds its lease now. */
  takeOver(record: RelayRecord): void;
  /** An answer a stopped process owed its sender; this process holds it now (relay/owed.ts). */
  tellOwed(record: RelayRecord): void;
}
