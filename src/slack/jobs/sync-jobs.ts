/**
 * The work an edit or delete of a relayed message causes (relay/sync.ts, relay/update.ts), after
 * the ack, in the relay work queue and under each relay's lease: post the question, carry out an
 * update, revoke after a delete — live, or after a takeover by any process. A change recorded to
 * wait (a burst of edits going quiet, a relay busy with other work) gets a timer here that asks
 * relay/sync-waiting.ts again when it is due; the record, not the timer, is what survives a crash.
 */
import type { webApi } from '@slack/bolt';
import { unrevocableCopies } from '../../relay/copies.js';
import { TakenOverError } from '../../relay/dispatch.js';
import { internalErrorWhileUpdatingText } from '../../relay/error-text.js';
import type { RevokeIntake } from '../../relay/facade.js';
import { workOf } from '../../relay/lifecycle.js';
import type { SyncIntake } from '../../relay/sync.js';
import type { RelayRecord } from '../../relay/types.js';
import type { RelayWorkQueue } from '../../relay/work-queue.js';
import type { ListenerContext } from '../context.js';
import { refreshHome } from '../home/publish.js';
import { hasBotReceipt, updateReceipt } from '../receipt/post.js';
import { deleteQuestion, editQuestion, updateOutcomeReply } from '../sync/replies.js';
import { type Answer, answerByDm, safely } from './answer.js';
import { notifyRecoveredRelays } from './notify-recovered.js';
import type { HandOff, SyncJobsPort, UpdateAnswerTo } from './port.js';
import { receiptObserver, receiptTracker } from './send-job.js';

/** What a revoke job needs from RelayJobs (kept narrow so the two classes stay apart). */
export interface RevokeJobs {
  revoke(received: RevokeIntake, actorId: string, answer: Answer | undefined): Promise<void>;
  /** Marks relays as having a job of this process until the returned release is called (RelayJobs.inHand). */
  holdInHand(relayIds: readonly string[]): () => void;
}

/**
 * A waiting change is looked at again at least this often, whatever its due time: a relay freed by
 * another process, or a clock that jumped (a suspended machine, a test's clock), is noticed soon.
 */
const MAX_WAKE_MS = 1_000;

export class SyncJobs implements SyncJobsPort {
  /** One timer per relay with a change waiting in this process's care. */
  readonly #wakes = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ctx: ListenerContext,
    private readonly client: webApi.WebClient,
    private readonly queue: RelayWorkQueue,
    private readonly revokes: RevokeJobs,
    /** RELAY_WORKERS=fork: updates whose answer can travel go to the forked worker. */
    private readonly handOff?: HandOff,
  ) {}

  /** What the message-event door recorded: each piece of work goes to the queue. */
  handle(intakes: readonly SyncIntake[]): void {
    for (const intake of intakes) {
      switch (intake.type) {
        case 'ask':
          this.ask(intake.record);
          break;
        case 'update':
          this.update(intake.record, answerByDm(this.client, intake.record.senderId), {
            userId: intake.record.senderId,
          });
          break;
        case 'revoke':
          this.#revokeAfterDelete(intake.record);
          break;
        case 'waiting':
          this.#wake(intake.record.id, intake.wakeInMs);
          break;
        default:
          this.ctx.logger.debug(
            {
              relayId: 'relayId' in intake ? intake.relayId : undefined,
              intake: intake.type,
              reason: 'reason' in intake ? intake.reason : undefined,
            },
            'message event caused no work',
          );
      }
    }
  }

  /** A claimed update (`revoking` + `updateRequest`), answered through `answer`. */
  update(record: RelayRecord, answer: Answer, answerTo?: UpdateAnswerTo): void {
    const handOff = this.handOff?.update?.bind(this.handOff);
    if (handOff && answerTo) {
      // RELAY_WORKERS=fork: its Fxiaoke calls run in the worker, which answers where this would have.
      void this.ctx.work
        .run(() => handOff({ relayId: record.id, ...answerTo }))
        .catch((error: unknown) =>
          this.ctx.logger.warn(
            { err: error, relayId: record.id },
            'could not hand an update off; it stays recorded for a takeover',
          ),
        );
      return;
    }
    const said = safely(answer, this.ctx.logger);
    this.#enqueue(record, async () => {
      const observer = receiptObserver(record, receiptTracker(this.client, record, said));
      let text: string;
      let blocks: Parameters<Answer>[1];
      let owed = false;
      try {
        const outcome = await this.ctx.relay.sync.carryOutUpdate(record, observer);
        ({ text, blocks } = updateOutcomeReply(outcome, record.updateRequest?.edits));
        // The outcomes whose final write recorded the answer as owed (relay/update.ts).
        owed = outcome.type === 'updated' || outcome.type === 'needs_second_copy';
        if ('record' in outcome) await this.#refreshReceipt(outcome.record);
      } catch (error) {
        // Another process took the update over before its send went out here: it answers.
        if (error instanceof TakenOverError) return;
        this.ctx.logger.error({ err: error, relayId: record.id }, 'relay update failed');
        text = internalErrorWhileUpdatingText(record.id);
      }
      await said(text, blocks);
      if (owed) await this.ctx.relay.settleOwed(record.id);
    });
  }

  /** A question recorded (`syncing`): posted to the sender, then the relay is put back. */
  ask(record: RelayRecord): void {
    this.#enqueue(record, () => this.#ask(record));
  }

  /** An update whose new text was being sent when its process stopped: continued, then answered. */
  resumeUpdate(record: RelayRecord): void {
    this.#enqueue(record, () => this.#resumeSend(record));
  }

  /** A recorded change of the Slack message: looked at now, acted on once due. */
  follow(relayId: string): void {
    this.#wake(relayId, 0);
  }

  async #ask(record: RelayRecord): Promise<void> {
    const offer = record.sync?.offer;
    let posted = false;
    if (offer) {
      const unrevocable = unrevocableCopies(record) > 0;
      const reason = unrevocable ? (record.serviceId ? 'not_revocable' : 'no_service_account') : undefined;
      const question =
        offer.kind === 'edit' ? editQuestion(record, offer, reason) : deleteQuestion(record, offer);
      try {
        await answerByDm(this.client, record.senderId)(question.text, question.blocks);
        posted = true;
      } catch (error) {
        this.ctx.logger.warn(
          { err: error, relayId: record.id },
          'could not ask the sender about a change in Slack',
        );
      }
    }
    await this.ctx.relay.sync.settleQuestion(record, posted);
  }

  /** The new version's send was interrupted: dispatched calls become "may have been delivered". */
  async #resumeSend(record: RelayRecord): Promise<void> {
    const work = workOf(record);
    const actorId = work.type === 'updating' ? work.request.actorId : record.senderId;
    const answer = safely(answerByDm(this.client, actorId), this.ctx.logger);
    const { resumed, outcome } = await this.ctx.relay.sync.resumeUpdate(
      record,
      receiptObserver(record, receiptTracker(this.client, record, answer)),
    );
    await this.#refreshReceipt(resumed.record);
    if (resumed.interrupted > 0) await notifyRecoveredRelays(this.client, [resumed.record], this.ctx.logger);
    else await answer(updateOutcomeReply(outcome, record.updateRequest?.edits).text);
    await this.ctx.relay.settleOwed(record.id);
  }

  /** Relays whose waiting change has a timer here (`idle()` waits for them too). */
  get waiting(): number {
    return this.#wakes.size;
  }

  /** Looks at the relay's waiting change in `inMs` (at most MAX_WAKE_MS); one timer per relay. */
  #wake(relayId: string, inMs: number): void {
    clearTimeout(this.#wakes.get(relayId));
    const timer = setTimeout(
      () => {
        this.#wakes.delete(relayId);
        this.queue.enqueue({ run: () => this.#actOnWaiting(relayId) });
      },
      Math.min(Math.max(0, inMs), MAX_WAKE_MS),
    );
    timer.unref();
    this.#wakes.set(relayId, timer);
  }

  async #actOnWaiting(relayId: string): Promise<void> {
    try {
      this.handle([await this.ctx.relay.sync.actOnWaiting(relayId)]);
    } catch (error) {
      // Still recorded: looked at again shortly (or by a takeover, should this process go).
      this.ctx.logger.warn({ err: error, relayId }, 'could not act on a change of a Slack message yet');
      this.#wake(relayId, MAX_WAKE_MS);
    }
  }

  #revokeAfterDelete(record: RelayRecord): void {
    const dm = answerByDm(this.client, record.senderId);
    const answer: Answer = (text, blocks) =>
      dm(
        `:wastebasket: Your Slack message was deleted, so fx-bridge revoked its copy in Fxiaoke (\`sync.deletes: auto\`).\n${text}`,
        blocks,
      );
    void this.revokes.revoke({ type: 'received', claimed: [record], answered: [] }, record.senderId, answer);
  }

  #refreshReceipt(record: RelayRecord): Promise<void> {
    return refreshReceiptAfterUpdate(this.client, this.ctx.logger, record);
  }

  #enqueue(record: RelayRecord, work: () => Promise<void>): void {
    const release = this.revokes.holdInHand([record.id]);
    this.queue.enqueue({
      run: async () => {
        try {
          // Queued for a while: another replica may have taken it over since; then it is theirs.
          const mine = await this.ctx.relay.underLease(record, work).catch((error: unknown) => {
            this.ctx.logger.error({ err: error, relayId: record.id }, 'sync work failed');
            return true;
          });
          if (!mine) {
            this.ctx.logger.info({ relayId: record.id }, 'sync work taken over elsewhere while queued here');
            return;
          }
          await refreshHome(this.ctx, this.client, record.senderId);
        } finally {
          release();
        }
      },
    });
  }
}

/** The receipt of an updated relay shows its new text and what became of it. Never throws. */
export async function refreshReceiptAfterUpdate(
  client: webApi.WebClient,
  logger: ListenerContext['logger'],
  record: RelayRecord,
): Promise<void> {
  if (!hasBotReceipt(record)) return;
  await updateReceipt(client, record).catch((error: unknown) =>
    logger.warn({ err: error, relayId: record.id }, 'receipt could not be updated after an update'),
  );
}
