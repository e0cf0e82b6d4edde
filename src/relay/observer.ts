/** What a relay reports as it goes: to the process (metrics) and to the front door (a receipt). */
import type { RelayRecord, RelayStatus, SlackMessageRef } from './types.js';

/**
 * How a relay reports what happens to it: one interface, given twice. `deps.observer` is the
 * process's (metrics); a front door passes its own for one relay (the receipt it posts and updates,
 * the "queued" line). relay/ knows neither Prometheus nor Slack. Every method is optional.
 */
export interface RelayObserver {
  /**
   * Runs once, right after Fxiaoke accepts the first batch: posts the receipt and returns the
   * Slack message to key the relay by. Nothing public is posted for a relay that fails outright.
   * If it throws or returns undefined the relay stays keyed by its request (and its id). Only the
   * observer of the one relay answers this; the process's is not asked.
   */
  onFirstAccepted?: (record: RelayRecord) => Promise<SlackMessageRef | undefined>;
  /** Runs after each later batch is recorded (receipt progress). Failures are logged, never fatal. */
  onProgress?: (record: RelayRecord) => Promise<void>;
  /**
   * A batch waits for Fxiaoke's rate budget (queued, not failed). Called before the wait with an
   * estimate; fire and forget, it never delays or fails the send.
   */
  onQueued?: (record: RelayRecord, queued: QueuedBatch) => Promise<void> | void;
  /** `record` is the finished relay: its `createdAt` starts the end-to-end latency. */
  relayFinished?(status: RelayStatus, record: RelayRecord): void;
  revokeFinished?(outcome: string): void;
}

export interface QueuedBatch {
  batchIndex: number;
  batchCount: number;
  waitMs: number;
}

/**
 * The process's observer and one relay's, as one: the finish events go to both, the progress
 * events to the relay's (the receipt is the front door's business, not the metrics').
 */
export function observing(deps: { observer: RelayObserver }, relay: RelayObserver = {}): RelayObserver {
  const process = deps.observer;
  return {
    ...relay,
    relayFinished: (status, record) => {
      process.relayFinished?.(status, record);
      relay.relayFinished?.(status, record);
    },
    revokeFinished: (outcome) => {
      process.revokeFinished?.(outcome);
      relay.revokeFinished?.(outcome);
    },
  };
}
