/**
 * A relay's work that stopped on an unexpected error (a store outage, a bug) before it finished:
 * the error, and whether any call of the relay may have reached Fxiaoke by then — so the sender is
 * told "part of it may already be in Fxiaoke" only when that can be true (copies.ts), and
 * "nothing of it has reached Fxiaoke yet" when no call was made.
 */
import { messagesOf } from './copies.js';
import { TakenOverError } from './dispatch.js';
import type { RelayBatch } from './types.js';

export class RelayInterruptedError extends Error {
  readonly code = 'relay_interrupted';
  constructor(
    readonly relayId: string,
    /** A call of the relay was made, or recorded as dispatched, before the error. */
    readonly mayHaveReachedFxiaoke: boolean,
    cause: unknown,
  ) {
    super(
      `relay ${relayId} stopped on an unexpected error (${mayHaveReachedFxiaoke ? 'a call may have reached Fxiaoke' : 'no call was made'})`,
      { cause },
    );
    this.name = 'RelayInterruptedError';
  }
}

/**
 * Whether a message of these batches may be in Fxiaoke, as the record says: one Fxiaoke accepted
 * (revoked since, or not), one it never confirmed, or one still pending but marked dispatched (its
 * request may have left: copies.ts MAY_HAVE_BEEN_DELIVERED). A refused call put nothing there.
 */
export function anyCallOut(batches: readonly RelayBatch[]): boolean {
  return batches
    .flatMap(messagesOf)
    .some((message) =>
      message.status === 'pending' ? message.dispatchedAt !== undefined : message.status !== 'failed',
    );
}

/**
 * `thrown` as the relay's interruption; a takeover (the new owner answers) and an interruption
 * already told apart pass through as they are.
 */
export function interruption(relayId: string, mayHaveReachedFxiaoke: boolean, thrown: unknown): unknown {
  if (thrown instanceof TakenOverError || thrown instanceof RelayInterruptedError) return thrown;
  return new RelayInterruptedError(relayId, mayHaveReachedFxiaoke, thrown);
}

/** What the sender may be told after `thrown`: an error not told apart might follow any call. */
export function mayHaveReachedFxiaoke(thrown: unknown): boolean {
  return !(thrown instanceof RelayInterruptedError) || thrown.mayHaveReachedFxiaoke;
}
