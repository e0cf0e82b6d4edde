/**
 * What a start has opened, to be closed in reverse order: on stop, and on a start that fails half
 * way (so a bad token or a port in use never leaves the store locked open). Every closer runs even
 * when one before it fails; the first failure is rethrown once all have run.
 */
export type Closer = () => Promise<void> | void;

export class Closers {
  readonly #stack: Closer[] = [];

  add(close: Closer): void {
    this.#stack.push(close);
  }

  /** Closes everything added so far, last added first; idempotent (each closer runs once). */
  async closeAll(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let close = this.#stack.pop(); close; close = this.#stack.pop()) {
      try {
        await close();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
