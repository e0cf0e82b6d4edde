/**
 * The relay work that follows an ack, queued with bounded concurrency (relay/work-queue.ts), each
 * job under its lease (relay/lease.ts) and followed by an App Home refresh. Doors hand over what
 * they recorded; takeovers hand over what another (or an earlier) process left.
 */
import type { webApi } from '@slack/bolt';
import { claimLease, withLease } from '../../relay/lease.js';
import type { RevokeOutcome } from '../../relay/revoke.js';
import { resumePending } from '../../relay/takeover.js';
import type { RelayRecord } from '../../relay/types.js';
import type { RelayWorkQueue } from '../../relay/work-queue.js';
import type { ListenerContext } from '../context.js';
import { refreshHome } from '../home-publish.js';
import { notifyRecoveredRelays } from '../notify-recovered.js';
import { type Answer, dmAnswer, internalErrorText, safely, userAnswer } from './answer.js';
import { runRevokeJob } from './revoke-job.js';
import { presentSend, receiptTracker, runSendJob, sendHooks } from './send-job.js';
import { SyncJobs } from './sync-jobs.js';

/** Told when a relay is taken over, and how it ended (metrics). */
export interface TakeoverObserver {
  takenOver?(status: RelayRecord['status']): void;
}

export class RelayJobs {
  /** Edits and deletes of relayed messages: questions, updates, revokes after a delete. */
  readonly sync: SyncJobs;

  constructor(
    private readonly ctx: ListenerContext,
    private readonly client: webApi.WebClient,
    private readonly queue: RelayWorkQueue,
    private readonly observer: TakeoverObserver = {},
  ) {
    this.sync = new SyncJobs(ctx, client, queue, this);
  }

  /** A received send (any door), answered through `answer`. */
  send(record: RelayRecord, answer: Answer, options: { replaceHeld?: Answer } = {}): void {
    const said = safely(answer, this.ctx);
    this.#enqueue(record, record.senderId, said, () =>
      runSendJob(this.ctx, this.client, record, said, {
        ...(options.replaceHeld ? { replaceHeld: safely(options.replaceHeld, this.ctx) } : {}),
      }),
    );
  }

  /** Claimed revokes (and the answers of relays that needed no call), answered together. */
  revoke(
    claimed: readonly RelayRecord[],
    answered: readonly RevokeOutcome[],
    actorId: string,
    answer: Answer | undefined,
  ): void {
    const said = answer ? safely(answer, this.ctx) : undefined;
    const job = async () => {
      const text = await runRevokeJob(this.ctx, this.client, claimed, answered, said);
      // With nowhere else to answer (a click in the App Home), the Home itself says what happened.
      if (!said) await refreshHome(this.ctx, this.client, actorId, text);
    };
    if (claimed.length === 0) {
      void job().catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'revoke answer failed'));
      return;
    }
    const [first] = claimed;
    this.queue.enqueue({
      run: () =>
        withLease(this.ctx.relay, first?.id ?? '', job).then(() =>
          said ? refreshHome(this.ctx, this.client, actorId) : undefined,
        ),
    });
  }

  /** A relay another (or an earlier) process left in work; this process holds its lease now. */
  takeOver(record: RelayRecord): void {
    this.observer.takenOver?.(record.status);
    if (this.sync.takeOver(record)) return;
    switch (record.status) {
      case 'received': {
        const answer = userAnswer(this.client, this.ctx, record.originChannelId, record.senderId);
        this.send(record, answer);
        return;
      }
      case 'pending':
        this.#enqueue(record, record.senderId, undefined, () => this.#resume(record));
        return;
      case 'revoking': {
        const actorId = record.revokeRequest?.actorId ?? record.senderId;
        this.revoke([record], [], actorId, dmAnswer(this.client, actorId));
        return;
      }
      default:
        return;
    }
  }

  async #resume(record: RelayRecord): Promise<void> {
    const answer = safely(
      userAnswer(this.client, this.ctx, record.originChannelId, record.senderId),
      this.ctx,
    );
    const receipt = receiptTracker(this.client, record, answer);
    try {
      const resumed = await resumePending(this.ctx.relay, record, sendHooks(this.ctx, record, receipt));
      if (resumed.interrupted > 0) {
        // Some call may have reached Fxiaoke: the sender hears exactly what is known, by DM.
        await notifyRecoveredRelays(this.client, [resumed.record], this.ctx.logger);
      } else {
        await presentSend({ type: 'finished', record: resumed.record }, receipt, answer);
      }
    } catch (error) {
      this.ctx.logger.error({ err: error, relayId: record.id }, 'resumed relay failed');
      await answer(internalErrorText(record.id));
    }
  }

  #enqueue(record: RelayRecord, userId: string, answer: Answer | undefined, work: () => Promise<void>): void {
    this.queue.enqueue({
      run: async () => {
        // Queued for a while: another replica may have taken it over since; then it is theirs.
        const mine = await claimLease(this.ctx.relay, record).catch(() => undefined);
        if (!mine) {
          this.ctx.logger.info({ relayId: record.id }, 'relay taken over elsewhere while queued here');
          return;
        }
        await withLease(this.ctx.relay, record.id, work);
        await refreshHome(this.ctx, this.client, userId);
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
