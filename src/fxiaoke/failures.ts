/**
 * The Fxiaoke adapter's errors as the core reads them (FxiaokeApi.failureOf): what a relay record
 * keeps and its sender sees of a failed call, and whether the call may have acted anyway.
 */
import { ANSWER_LOST } from '../relay/copies.js';
import { STOPPING_KIND, STOPPING_TEXT } from '../relay/error-text.js';
import type { CallFailure } from '../relay/ports/fxiaoke.js';
import { FxiaokeErrorCode, isFxiaokeAdapterError, isFxiaokeError } from './errors.js';

/** A failure of this adapter, read for the core; undefined for anything it did not throw. */
export function fxiaokeFailureOf(thrown: unknown): CallFailure | undefined {
  if (isFxiaokeError(thrown)) {
    const upstream = thrown.upstreamMessage ? ` Fxiaoke said: “${thrown.upstreamMessage}”.` : '';
    return {
      error: {
        code: thrown.errorCode,
        // A send whose answer was lost after its request left may have been delivered.
        kind: thrown.kind === 'transport' && thrown.mayHaveBeenDelivered ? ANSWER_LOST : thrown.kind,
        message: `${capitalise(thrown.meaning)}.${upstream}`,
        traceId: thrown.traceId,
      },
      mayHaveBeenDelivered: thrown.mayHaveBeenDelivered,
    };
  }
  // Given up while waiting for the rate budget at shutdown: nothing of it went out.
  if (isFxiaokeAdapterError(thrown) && thrown.code === FxiaokeErrorCode.Stopping) {
    return { error: { kind: STOPPING_KIND, message: STOPPING_TEXT }, mayHaveBeenDelivered: false };
  }
  // The shared rate budget or token (Redis, PostgreSQL) could not be reached: fxiaoke/client.ts
  // consults both before a request leaves, and retries only what Fxiaoke refused, so nothing went out.
  if (isFxiaokeAdapterError(thrown) && thrown.code === FxiaokeErrorCode.SharedState) {
    return {
      error: { kind: SHARED_STATE_KIND, message: SHARED_STATE_TEXT },
      mayHaveBeenDelivered: false,
      retryLater: true,
    };
  }
  return undefined;
}

/** RelayError.kind of a call that could not be made because the shared Fxiaoke state was unreachable. */
const SHARED_STATE_KIND = 'shared_state';
const SHARED_STATE_TEXT =
  'fx-bridge could not reach its store for the shared Fxiaoke rate budget and token, so this call to Fxiaoke was not made (nothing of it went out). Try again in a moment.';

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
