/**
 * The receipt's life during a send, shared by every front door that posts one (/fx-send, the
 * compose window, a confirmed held relay): posted when Fxiaoke accepts the first batch, updated
 * as batches go out (only when it changes), and a "queued" line while the rate limit holds a batch.
 * A routed channel's relay gets the quiet kind instead: a mark on its message (routes/mark.ts).
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import type { QueuedBatch, RelayObserver } from '../../relay/deps.js';
import type { RelayRecord } from '../../relay/types.js';
import type { Answer } from '../jobs/answer.js';
import { markRelayed } from '../routes/mark.js';
import { postReceipt } from './post.js';
import { renderReceipt } from './view.js';

/** Queued waits shorter than this go unmentioned: nobody notices a second. */
const MENTION_QUEUE_AFTER_MS = 1_000;
/** chat.update is rate limited too; queued lines are refreshed at most this often. */
const QUEUED_UPDATE_INTERVAL_MS = 3_000;

export interface ReceiptTrackerOptions {
  client: webApi.WebClient;
  teamId: string;
  channelId: string;
  /** Answers the sender privately, for a wait before the receipt exists. */
  answer: Answer;
  /** Where a mark that could not be added is logged. */
  log?: Pick<Logger, 'warn'>;
  now?: () => number;
}

export function queuedText(queued: QueuedBatch): string {
  const seconds = Math.max(1, Math.round(queued.waitMs / 1000));
  const which =
    queued.batchCount > 1 ? `batch ${queued.batchIndex + 1} of ${queued.batchCount}` : 'your message';
  return `:hourglass_flowing_sand: Queued: ${which} goes out in about ${seconds} s (Fxiaoke's rate limit).`;
}

export class ReceiptTracker {
  posted = false;
  private lastRendered = '';
  private lastQueuedNoteAt = Number.NEGATIVE_INFINITY;
  private toldSenderQueued = false;
  private readonly now: () => number;

  constructor(private readonly options: ReceiptTrackerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The relay's observer: posts the receipt, updates it, and says when a batch is queued. */
  observer(): RelayObserver {
    return {
      onFirstAccepted: async (record) => {
        const ref = await postReceipt(
          this.options.client,
          record,
          this.options.teamId,
          this.options.channelId,
        );
        this.posted = true;
        this.remember(record);
        return ref;
      },
      onProgress: (record) => this.update(record),
      onQueued: (record, queued) => this.queued(record, queued),
    };
  }

  /** A routed relay that reached everyone: its message gets the mark, the channel no message. */
  async markRouted(record: RelayRecord): Promise<void> {
    await markRelayed(this.options.client, record, this.options.log ?? { warn: () => undefined });
  }

  /** Brings the receipt up to date with the record, if it was posted and anything changed. */
  async update(record: RelayRecord, note?: string): Promise<void> {
    if (!this.posted || !record.slack) return;
    const receipt = renderReceipt(record, note);
    const rendered = JSON.stringify(receipt.blocks);
    if (rendered === this.lastRendered) return;
    this.lastRendered = rendered;
    await this.options.client.chat.update({
      channel: record.slack.channelId,
      ts: record.slack.ts,
      text: receipt.text,
      blocks: receipt.blocks,
    });
  }

  private async queued(record: RelayRecord, queued: QueuedBatch): Promise<void> {
    if (queued.waitMs < MENTION_QUEUE_AFTER_MS) return;
    if (!this.posted) {
      // Nothing public exists yet (and must not, until Fxiaoke accepts something): tell the sender.
      if (this.toldSenderQueued) return;
      this.toldSenderQueued = true;
      await this.options.answer(queuedText(queued));
      return;
    }
    if (this.now() - this.lastQueuedNoteAt < QUEUED_UPDATE_INTERVAL_MS) return;
    this.lastQueuedNoteAt = this.now();
    await this.update(record, queuedText(queued));
  }

  private remember(record: RelayRecord): void {
    this.lastRendered = JSON.stringify(renderReceipt(record).blocks);
  }
}
