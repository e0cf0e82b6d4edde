/**
 * Asynchronous waits for SQLite locks. better-sqlite3 is synchronous: with a long `busy_timeout`
 * an operation that meets another process's write lock (a `sqlite3` shell in `BEGIN IMMEDIATE`,
 * a backup) sleeps inside SQLite and freezes the event loop — acks, `/healthz`, everything. So the
 * serving connection keeps `busy_timeout` at a few ms and this queue does the waiting instead:
 * an operation that fails with SQLITE_BUSY / SQLITE_LOCKED is tried again on a timer, with backoff.
 *
 * Writes form one FIFO: a write never runs while an earlier one is still waiting, so writes land
 * in the order they were issued even across a lock wait (callers rely on it, e.g. a tombstone
 * written after an abandoned create). Reads do not queue behind writes (WAL lets them run while
 * another process writes); they retry on their own if they ever meet BUSY.
 *
 * Nothing gives up while the queue is open: callers that need a bound race their own timer.
 * `close()` rejects everything still waiting.
 */

export interface LockWaitOptions {
  /** True for errors that mean "locked, try again later". */
  isLocked: (error: unknown) => boolean;
  /** First retry delay; doubles per attempt up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Called each time an operation starts waiting for a lock (metrics, tests). */
  onLockWait?: () => void;
}

interface Waiting {
  attempt: () => boolean;
  reject: (error: unknown) => void;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class LockWaitQueue {
  readonly #isLocked: (error: unknown) => boolean;
  readonly #firstDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #onLockWait: (() => void) | undefined;
  /** Writes not yet landed, oldest first; only the head ever has a timer. */
  readonly #writes: Waiting[] = [];
  readonly #reads = new Set<Waiting>();
  #closedWith: (() => Error) | undefined;

  constructor(options: LockWaitOptions) {
    this.#isLocked = options.isLocked;
    this.#firstDelayMs = options.firstDelayMs ?? 2;
    this.#maxDelayMs = options.maxDelayMs ?? 50;
    this.#onLockWait = options.onLockWait;
  }

  /** Writes waiting for a lock (or behind one that is). */
  get waitingWrites(): number {
    return this.#writes.length;
  }

  /** Runs `operation` now if no earlier write is waiting, else after every earlier write. */
  write<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const closed = this.#closedWith;
      if (closed) return reject(closed());
      const entry = this.#entry(operation, resolve, reject);
      this.#writes.push(entry);
      if (this.#writes.length === 1) this.#drainWrites();
    });
  }

  /** Runs `operation` now; if it meets a lock, again later, independently of the write queue. */
  read<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const closed = this.#closedWith;
      if (closed) return reject(closed());
      const entry = this.#entry(operation, resolve, reject);
      const tryRead = () => {
        entry.timer = undefined;
        if (entry.attempt()) {
          this.#reads.delete(entry);
          return;
        }
        this.#reads.add(entry);
        entry.timer = setTimeout(tryRead, this.#nextDelay(entry));
      };
      tryRead();
    });
  }

  /** Rejects every waiting operation with `error()` and refuses new ones the same way. */
  close(error: () => Error): void {
    if (this.#closedWith) return;
    this.#closedWith = error;
    for (const entry of [...this.#writes.splice(0), ...this.#reads]) {
      clearTimeout(entry.timer);
      entry.reject(error());
    }
    this.#reads.clear();
  }

  /** Lands writes from the head until one meets a lock (then retries it later) or none remain. */
  #drainWrites(): void {
    while (this.#writes.length > 0) {
      const head = this.#writes[0] as Waiting;
      head.timer = undefined;
      if (!head.attempt()) {
        head.timer = setTimeout(() => this.#drainWrites(), this.#nextDelay(head));
        return;
      }
      this.#writes.shift();
    }
  }

  /**
   * Wraps `operation`: `attempt()` runs it once and returns false only when it met a lock (the
   * entry stays pending); any other outcome settles the promise and returns true.
   */
  #entry<T>(operation: () => T, resolve: (value: T) => void, reject: (error: unknown) => void): Waiting {
    const entry: Waiting = {
      reject,
      delayMs: 0,
      timer: undefined,
      attempt: () => {
        let value: T;
        try {
          value = operation();
        } catch (error) {
          if (this.#isLocked(error)) {
            if (entry.delayMs === 0) this.#onLockWait?.();
            return false;
          }
          reject(error);
          return true;
        }
        resolve(value);
        return true;
      },
    };
    return entry;
  }

  #nextDelay(entry: Waiting): number {
    entry.delayMs = entry.delayMs === 0 ? this.#firstDelayMs : Math.min(entry.delayMs * 2, this.#maxDelayMs);
    return entry.delayMs;
  }
}
