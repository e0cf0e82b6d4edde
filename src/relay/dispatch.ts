/**
 * The moment a Fxiaoke call counts as dispatched: the client's `beforeDispatch`
 * (fxiaoke/interface.ts), awaited after the rate budget granted the call and right before its
 * request leaves. The relay records the mark there (send.ts markDispatched). A mark that could not
 * be recorded stops the call before it goes out; that failure is not the call's outcome (nothing
 * was sent, and the relay may belong to another process now), so it is told apart and rethrown.
 */

/** A `beforeDispatch` that threw: the call was not made. */
class NotDispatchedError extends Error {
  constructor(readonly original: unknown) {
    super('the call was not marked dispatched, so it was not sent', { cause: original });
    this.name = 'NotDispatchedError';
  }
}

/** `mark` as a call's `beforeDispatch`, its failure wrapped so `outcomeOf` can tell it apart. */
export function dispatchHook(mark: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await mark();
    } catch (error) {
      throw new NotDispatchedError(error);
    }
  };
}

/**
 * What a failed send call threw, to be recorded as its outcome; a failed dispatch mark is thrown
 * on instead, as it was, for the relay's caller (nothing about the call is recorded).
 */
export function outcomeOf(thrown: unknown): unknown {
  if (thrown instanceof NotDispatchedError) throw thrown.original;
  return thrown;
}

/**
 * A dispatch mark refused because the relay is no longer this process's: its lease ran out and
 * another process took it over (it sends what is left, and answers the sender). Nothing was sent
 * here; whoever carried the work out here says nothing more about it.
 */
export class TakenOverError extends Error {
  readonly code = 'taken_over';
  constructor(readonly relayId: string) {
    super(`relay ${relayId} was taken over by another process before this one's call went out`);
    this.name = 'TakenOverError';
  }
}
