/**
 * The store failures the core branches on: a port it owns, thrown by every store implementation
 * (store/errors.ts re-exports them beside the errors only the adapters raise).
 */
import type { RelayRecord } from '../types.js';

/** Base class for store failures; `code` is fixed per subclass (bolt-js style). */
export class StoreError extends Error {
  readonly code: string = 'store_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RelayNotFoundError extends StoreError {
  override readonly code = 'relay_not_found';
  constructor(readonly relayId: string) {
    super(`No relay with id ${relayId}`);
  }
}

/** A compare-and-set lost: the record is not in the expected status any more. */
export class StoreConflictError extends StoreError {
  override readonly code = 'store_conflict';
  constructor(readonly current: RelayRecord) {
    super(`Relay ${current.id} is ${current.status}`);
  }
}

/** `update` tried to key a relay by a Slack message another relay already owns. */
export class SlackMessageTakenError extends StoreError {
  override readonly code = 'slack_message_taken';
  constructor(readonly existing: RelayRecord) {
    super(`Slack message is already mapped to relay ${existing.id}`);
  }
}

/**
 * The store answered instead of failing: a lost compare-and-set, a relay that is gone, a Slack
 * message another relay owns. Retrying cannot change such an answer, and it is not an error of
 * the store (metrics do not count it).
 */
export type StoreRefusal = StoreConflictError | RelayNotFoundError | SlackMessageTakenError;

export function isStoreRefusal(error: unknown): error is StoreRefusal {
  return (
    error instanceof StoreConflictError ||
    error instanceof RelayNotFoundError ||
    error instanceof SlackMessageTakenError
  );
}
