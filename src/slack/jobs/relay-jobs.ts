/**
 * What follows a door's ack: the one presenter. A door hands over what its facade call returned;
 * anything that needs no Fxiaoke call is answered at once, the rest is queued with bounded
 * concurrency (relay/work-queue.ts), each job under its lease and followed by an App Home refresh.
 * Takeovers hand over what another (or an earlier) process left.
 */
import type { webApi } from '@slack/bolt';
import { intakeOf } from '../../relay/carry-out.js';
import { TakenOverError } from '../../relay/dispatch.js';
import type { ConfirmationIntake, RevokeIntake, Unavailable } from '../../relay/facade.js';
import type { HeldOutcome } from '../../relay/held.js';
import { mayHaveReachedFxiaoke } from '../../relay/interrupted.js';
import { assertNever, workOf } from '../../relay/lifecycle.js';
import type { RevokeOutcome } from '../../relay/revoke.js';
import { type RoutedIntake, responsibleFor } from '../../relay/route.js';
import type { RelayRecord } from '../../relay/types.js';
import type { RelayWorkQueue } from '../../relay/work-queue.js';
import type { ListenerContext } from '../context.js';
import { refreshHome } from '../home/publish.js';
import { heldOutcomeText } from '../replies/held.js';
import { routedNotRelayedText } from '../replies/routed.js';
import {
  type Answer,
  answerAtPortableUrl,
  answerByDm,
  answerInChannel,
  internalErrorText,
  NOT_TAKEN_TEXT,
  notTakenText,
  type PortableResponseUrl,
  safely,
} from './answer.js';
import { notifyRecoveredRelays } from './notify-recovered.js';
import { tellOwedAnswer } from './owed-answer.js';
import type {
  HandedOffRevoke,
  HandedOffUpdate,
  HandOff,
  ReceivedSend,
  RelayJobsPort,
  RevokeOptions,
  SendOptions,
} from './port.js';
import { runRevokeJob } from './revoke-job.js';
import { presentSend, receiptObserver, receiptTracker, runSendJob } from './send-job.js';
import { SyncJobs } from './sync-jobs.js';

/** Told when a relay is taken over, and how it ended (metrics). */
export interface TakeoverObserver {
  takenOver?(status: RelayRecord['status']): void;
}

export type { ReceivedSend } from './port.js';

export class RelayJobs implements RelayJobsPort {
  /** Edits and deletes of relayed messages: questions, updates, revokes after a delete. */
  readonly sync: SyncJobs;
  /**
   * Relays with a send, revoke or update job queued or running in this process. A job's lease can lapse
   * while it waits (a long queue, a store outage that stops the renewals); the takeover sweep of
   * this same process must not then start a second job for the relay: both would pass the lease
   * fence (same owner), the later one working from an older copy of the record.
   */
  readonly #inHand = new Map<string, number>();
  /**
   * Relays whose job here stopped on an error before any call, their senders told they are carried
   * on: this process's takeover sweep takes them again once their lease lapses (takeover.ts).
   */
  readonly #leftBehind = new Set<string>();

  constructor(
    private readonly ctx: ListenerContext,
    private readonly client: webApi.WebClient,
    private readonly queue: RelayWorkQueue,
    private readonly observer: TakeoverObserver = {},
    /**
     * RELAY_WORKERS fork|none: an accepted send is handed off to a worker process (relay/handoff.ts)
     * instead of running here, so this process's event loop is left to acks. Absent: run here.
     */
    private readonly handOff?: HandOff,
  ) {
    this.sync = new SyncJobs(ctx, client, queue, this, handOff);
  }

  /** A received send (any door): carried out in the queue, or answered now (a duplicate, a bad text). */
  async send(received: ReceivedSend, answer: Answer, options: SendOptions = {}): Promise<void> {
    const said = safely(answer, this.ctx.logger);
    if (received.type !== 'accepted') {
      await presentSend(received, said);
      return;
    }
    const { record } = received;
    // A held relay's confirmation replaces the held message in place: that answer exists only here.
    const handOff = options.heldAnswer ? undefined : this.handOff;
    if (handOff) {
      void this.ctx.work
        .run(() => handOff.send(record, options.responseUrl))
        .catch((error: unknown) =>
          this.ctx.logger.warn(
            { err: error, relayId: record.id },
            'could not hand a relay off; it stays recorded for a takeover',
          ),
        );
      return;
    }
    // A routed channel stays quiet: no "queued" line per message.
    const waiting = intakeOf(record).route ? undefined : said;
    this.#enqueue(record, record.senderId, waiting, () =>
      runSendJob(this.ctx, this.client, record, said, {
        ...(options.heldAnswer ? { heldAnswer: safely(options.heldAnswer, this.ctx.logger) } : {}),
        leftBehind: (relayId) => this.#leftBehind.add(relayId),
      }),
    );
  }

  /**
   * "Send to the reachable" on a held relay: the held message says what happened to the click,
   * and the relay goes out to the recipients who could be reached.
   */
  async confirm(received: ConfirmationIntake | Unavailable, heldAnswer: Answer): Promise<void> {
    const held = safely(heldAnswer, this.ctx.logger);
    if (received.type === 'unavailable') return held(NOT_TAKEN_TEXT);
    if (received.type !== 'accepted') return held(heldOutcomeText(received));
    await held(':hourglass_flowing_sand: Sending to the recipients who can be reached…');
    const { record } = received;
    const senderAnswer = answerInChannel(
      this.client,
      this.ctx.logger,
      record.originChannelId,
      record.senderId,
    );
    await this.send(received, senderAnswer, { heldAnswer });
  }

  /** "Cancel" on a held relay: the held message says so, and the sender's Home follows. */
  async cancelled(outcome: HeldOutcome | Unavailable, answer: Answer, userId: string): Promise<void> {
    const text =
      outcome.type === 'unavailable'
        ? `:warning: ${notTakenText('the message is still held')}`
        : heldOutcomeText(outcome);
    await safely(answer, this.ctx.logger)(text);
    await this.ctx.work.run(() => refreshHome(this.ctx, this.client, userId));
  }

  /**
   * A received revoke: the claimed relays revoked in the queue, answered together with those that
   * needed no call. Without an `answer` (a click in the App Home) the Home itself says what happened.
   */
  async revoke(
    received: RevokeIntake | Unavailable,
    actorId: string,
    answer: Answer | undefined,
    options: RevokeOptions = {},
  ): Promise<void> {
    if (received.type === 'unavailable') {
      const text = `:warning: ${notTakenText('nothing was revoked')}`;
      if (answer) await safely(answer, this.ctx.logger)(text);
      else await this.ctx.work.run(() => refreshHome(this.ctx, this.client, actorId, text));
      return;
    }
    const handOff = this.handOff?.revoke?.bind(this.handOff);
    // RELAY_WORKERS=fork: the Fxiaoke calls run in the worker, which answers where this would have.
    // It can only where a door said: at its response_url, or in App Home (no answer). Any other
    // answer (the DM after a deleted message) exists only here, so that revoke runs here; and one
    // with nothing to call Fxiaoke for is answered here at once.
    const answerTravels = answer === undefined || options.responseUrl !== undefined;
    if (handOff && answerTravels && received.claimed.length > 0) {
      const handed: HandedOffRevoke = {
        relayIds: received.claimed.map((record) => record.id),
        answered: received.answered,
        actorId,
        ...(answer && options.responseUrl ? { responseUrl: options.responseUrl } : {}),
        ...(options.channelId ? { channelId: options.channelId } : {}),
      };
      void this.ctx.work
        .run(() => handOff(handed))
        .catch((error: unknown) =>
          this.ctx.logger.warn(
            { err: error },
            'could not hand a revoke off; it stays recorded for a takeover',
          ),
        );
      return;
    }
    this.#revoke(received.claimed, received.answered, actorId, answer);
  }

  /**
   * A revoke the receiver handed off (RELAY_WORKERS=fork), its relays claimed by this worker from
   * the receiver: revoked and answered as the receiver would have, at the door's response_url (its
   * channel once Slack no longer takes that), or in the actor's App Home for a click there.
   */
  carryOutHandedOffRevoke(claimed: readonly RelayRecord[], handed: HandedOffRevoke): void {
    const { responseUrl, actorId } = handed;
    const to = { channelId: handed.channelId, userId: actorId };
    const answer = responseUrl
      ? answerAtPortableUrl(this.client, this.ctx.logger, responseUrl, to, false)
      : undefined;
    // None claimed: each moved on. An earlier worker revoked them and answered everything (this is
    // the receiver telling a replacement again), or a takeover after the receiver's lease ran out
    // answers them by DM. Either way, saying the rest again alone would only repeat or confuse.
    if (claimed.length === 0) return;
    this.#revoke(claimed, handed.answered, actorId, answer);
  }

  /** What a routed channel's event recorded before its ack (relay/route.ts). */
  routed(intake: RoutedIntake, who: { channelId: string; userId: string }): void {
    switch (intake.type) {
      case 'ignored':
        this.ctx.logger.debug(
          { reason: intake.reason, channel: who.channelId },
          'routed event relays nothing',
        );
        return;
      case 'duplicate':
        // Slack delivered it again, or someone else reacted too: one relay per message.
        this.ctx.logger.debug({ relayId: intake.record.id }, 'routed message already taken');
        return;
      case 'invalid_text': {
        const answer = answerInChannel(this.client, this.ctx.logger, who.channelId, who.userId);
        void this.ctx.work.run(() => answer(routedNotRelayedText(who.channelId, intake.problem)));
        return;
      }
      case 'accepted': {
        const { record } = intake;
        const answer = answerInChannel(
          this.client,
          this.ctx.logger,
          record.originChannelId,
          responsibleFor(record),
        );
        void this.send(intake, answer);
        return;
      }
    }
  }

  /**
   * Resolves once nothing handed over is queued, running, still being answered or waiting for its
   * timer (a change of a Slack message going quiet): the bridge's own "done", for tests that must
   * show something did not happen without waiting a fixed time.
   */
  async idle(): Promise<void> {
    while (this.queue.size > 0 || this.ctx.work.size > 0 || this.sync.waiting > 0) {
      await this.queue.idle();
      await this.ctx.work.drain(60_000);
      // Only timers of waiting changes left: let them fire instead of spinning.
      if (this.queue.size === 0 && this.ctx.work.size === 0 && this.sync.waiting > 0)
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * A relay another (or an earlier) process left in work; this process holds its lease now. Its
   * work (relay/lifecycle.ts) is carried on as it would have been, and answered where it would
   * have been: a send in its channel, a revoke or an update by DM to whoever asked.
   */
  /** Whether a send, revoke or update job of this process is queued or running for the relay (see #inHand). */
  inHand(relayId: string): boolean {
    return this.#inHand.has(relayId);
  }

  /** Whether a job here left the relay unfinished and told its sender it is carried on (see #leftBehind). */
  leftBehind(relayId: string): boolean {
    return this.#leftBehind.has(relayId);
  }

  /** Marks relays in hand until the returned release is called (once). */
  holdInHand(relayIds: readonly string[]): () => void {
    for (const id of relayIds) this.#inHand.set(id, (this.#inHand.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of relayIds) {
        const left = (this.#inHand.get(id) ?? 1) - 1;
        if (left > 0) this.#inHand.set(id, left);
        else this.#inHand.delete(id);
      }
    };
  }

  /**
   * An update the receiver handed off (RELAY_WORKERS=fork), claimed by this worker from it: carried
   * out and answered as the receiver would have, at the door's response_url (the channel once Slack
   * no longer takes that), or by DM.
   */
  carryOutHandedOffUpdate(claimed: RelayRecord, handed: HandedOffUpdate): void {
    const { responseUrl, userId } = handed;
    const to = { channelId: handed.channelId, userId };
    const answer = responseUrl
      ? answerAtPortableUrl(this.client, this.ctx.logger, responseUrl, to, false)
      : answerByDm(this.client, userId);
    this.sync.update(claimed, answer);
  }

  /**
   * A send a receiver handed off (relay/handoff.ts), claimed by this worker: the very job the
   * receiver would have run, answered through the door's response_url when the receiver passed it
   * on (`fork`), else, or once Slack no longer takes it, in its channel (records never hold one).
   */
  carryOutHandedOff(record: RelayRecord, responseUrl?: PortableResponseUrl): void {
    const to = { channelId: record.originChannelId, userId: responsibleFor(record) };
    const answer = responseUrl
      ? answerAtPortableUrl(this.client, this.ctx.logger, responseUrl, to)
      : answerInChannel(this.client, this.ctx.logger, to.channelId, to.userId);
    void this.send({ type: 'accepted', record }, answer);
  }

  takeOver(record: RelayRecord): void {
    this.#leftBehind.delete(record.id);
    this.observer.takenOver?.(record.status);
    const work = workOf(record);
    switch (work.type) {
      case 'idle':
        return;
      case 'intake': {
        // A routed relay answers to its author, or to whoever reacted (relay/route.ts).
        const answer = answerInChannel(
          this.client,
          this.ctx.logger,
          record.originChannelId,
          responsibleFor(record),
        );
        void this.send({ type: 'accepted', record }, answer);
        return;
      }
      case 'sending':
        this.#enqueue(record, record.senderId, undefined, () => this.#resume(record));
        return;
      case 'revoking':
        this.#revoke([record], [], work.actorId, answerByDm(this.client, work.actorId));
        return;
      case 'updating':
        if (work.step === 'revoking_old')
          this.sync.update(record, answerByDm(this.client, work.request.actorId));
        else this.sync.resumeUpdate(record);
        return;
      case 'asking':
        this.sync.ask(record);
        return;
      case 'following':
        this.sync.follow(record.id);
        return;
      default:
        assertNever(work);
    }
  }

  #revoke(
    claimed: readonly RelayRecord[],
    answered: readonly RevokeOutcome[],
    actorId: string,
    answer: Answer | undefined,
  ): void {
    const said = answer ? safely(answer, this.ctx.logger) : undefined;
    const job = async () => {
      const text = await runRevokeJob(this.ctx, this.client, claimed, answered, said);
      // With nowhere else to answer (a click in the App Home), the Home itself says what happened.
      if (!said) await refreshHome(this.ctx, this.client, actorId, text);
    };
    if (claimed.length === 0) {
      // Nothing to call Fxiaoke for: answered now, but still awaited by a stop.
      void this.ctx.work
        .run(job)
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'revoke answer failed'));
      return;
    }
    const [first] = claimed;
    const release = this.holdInHand(claimed.map((record) => record.id));
    this.queue.enqueue({
      run: () =>
        this.ctx.relay
          .keepLease(first?.id ?? '', job)
          .then(() => (said ? refreshHome(this.ctx, this.client, actorId) : undefined))
          .finally(release),
    });
  }

  async #resume(record: RelayRecord): Promise<void> {
    const answer = safely(
      answerInChannel(this.client, this.ctx.logger, record.originChannelId, responsibleFor(record)),
      this.ctx.logger,
    );
    const receipt = receiptTracker(this.client, record, answer, this.ctx.logger);
    try {
      const resumed = await this.ctx.relay.resumeSend(record, receiptObserver(record, receipt));
      if (resumed.interrupted > 0) {
        // Some call may have reached Fxiaoke: the sender hears exactly what is known, by DM.
        await notifyRecoveredRelays(this.client, [resumed.record], this.ctx.logger);
      } else {
        await presentSend({ type: 'finished', record: resumed.record }, answer, receipt);
      }
    } catch (error) {
      // Another process took the relay over before a call went out here: it sends and answers.
      if (error instanceof TakenOverError) return;
      this.ctx.logger.error({ err: error, relayId: record.id }, 'resumed relay failed');
      const mayHaveReached = mayHaveReachedFxiaoke(error);
      if (!mayHaveReached) this.#leftBehind.add(record.id);
      await answer(internalErrorText(record.id, mayHaveReached));
    }
    await this.ctx.relay.settleOwed(record.id);
  }

  /**
   * An answer a stopped process owed its sender (relay/owed.ts): the work had ended, the sender
   * had not heard it. Told now (and awaited by a stop), then settled.
   */
  tellOwed(record: RelayRecord): void {
    void this.ctx.work
      .run(() => tellOwedAnswer(this.ctx, this.client, record))
      .catch((error: unknown) =>
        this.ctx.logger.warn({ err: error, relayId: record.id }, 'could not tell an owed answer'),
      );
  }

  #enqueue(record: RelayRecord, userId: string, answer: Answer | undefined, work: () => Promise<void>): void {
    const release = this.holdInHand([record.id]);
    this.queue.enqueue({
      run: async () => {
        try {
          // Queued for a while: another replica may have taken it over since; then it is theirs.
          const mine = await this.ctx.relay.underLease(record, work);
          if (!mine) {
            this.ctx.logger.info({ relayId: record.id }, 'relay taken over elsewhere while queued here');
            return;
          }
          await refreshHome(this.ctx, this.client, userId);
        } finally {
          release();
        }
      },
      ...(answer
        ? {
            onWaiting: (ahead: number) => {
              void answer(
                `:hourglass_flowing_sand: Queued: fx-bridge is busy; ${ahead} relay${ahead === 1 ? '' : 's'} ahead of yours. It goes out as soon as it can.`,
              );
            },
          }
        : {}),
    });
  }
}
