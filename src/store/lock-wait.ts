/**
 * Asynchronous waits for SQLite locks. better-sqlite3 is synchronous: with a long `busy_timeout`
 * an operation that meets another process's write lock (a `sqlite3` shell in `BEGIN IMMEDIATE`,
 * a backup) sleeps inside SQLite and freezes the event loop — acks, `/healthz`, everything. So the
 * serving connection keeps `busy_timeout` at 0 and this queue does the waiting instead: an
 * operation that fails with SQLITE_BUSY / SQLITE_LOCKED is tried again on the next turns of the
 * event loop for a millisecond, then on a timer, with backoff.
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
  /**
   * For how long after an operation first meets a lock it is tried again on each turn of the event
   * loop (setImmediate) rather than on a timer. Another process's write transactions (a relay
   * worker's, a replica's) last tens of microseconds, so the lock is usually free a turn later,
   * while a timer's first wait is a millisecond or more: under a worker's steady writes that wait
   * was most of a receiver's median ack. A lock held longer (a backup, a shell in a transaction)
   * goes on to the timers. Default 1 ms; 0: timers only.
   */
  spinMs?: number;
  /** First retry delay after the spin; doubles per attempt up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** The clock the spin is measured on (tests). */
  now?: () => number;
  /** Called each time an operation starts waiting for a lock (metrics, tests). */
  onLockWait?: () => void;
}

interface Waiting {
  attempt: () => boolean;
  reject: (error: unknown) => void;
  delayMs: number;
  /** When this operation first met a lock (the spin's start); undefined until it does. */
  lockedAt: number | undefined;
  /** Cancels the retry scheduled, if any. */
  cancel: (() => void) | undefined;
}

export class LockWaitQueue {
  readonly #isLocked: (error: unknown) => boolean;
  readonly #spinMs: number;
  readonly #firstDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #now: () => number;
  readonly #onLockWait: (() => void) | undefined;
  /** Writes not yet landed, oldest first; only the head ever has a timer. */
  readonly #writes: Waiting[] = [];
  readonly #reads = new Set<Waiting>();
  #closedWith: (() => Error) | undefined;

  constructor(options: LockWaitOptions) {
    this.#isLocked = options.isLocked;
    this.#spinMs = options.spinMs ?? 1;
    this.#firstDelayMs = options.firstDelayMs ?? 2;
    this.#maxDelayMs = options.maxDelayMs ?? 50;
    this.#now = options.now ?? (() => performance.now());
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
        entry.cancel = undefined;
        if (entry.attempt()) {
          this.#reads.delete(entry);
          return;
        }
        this.#reads.add(entry);
        this.#retryLater(entry, tryRead);
      };
      tryRead();
    });
  }

  /** Rejects every waiting operation with `error()` and refuses new ones the same way. */
  close(error: () => Error): void {
    if (this.#closedWith) return;
    this.#closedWith = error;
    for (const entry of [...this.#writes.splice(0), ...this.#reads]) {
      entry.cancel?.();
      entry.reject(error());
    }
    this.#reads.clear();
  }

  /** Lands writes from the head until one meets a lock (then retries it later) or none remain. */
  #drainWrites(): void {
    while (this.#writes.length > 0) {
      const head = this.#writes[0] as Waiting;
      head.cancel = undefined;
      if (!head.attempt()) {
        this.#retryLater(head, () => this.#drainWrites());
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
      lockedAt: undefined,
      cancel: undefined,
      attempt: () => {
        let value: T;
        try {
          value = operation();
        } catch (error) {
          if (this.#isLocked(error)) {
            if (entry.lockedAt === undefined) this.#onLockWait?.();
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

  /** On the next turn while the spin lasts, then on a timer with backoff. */
  #retryLater(entry: Waiting, retry: () => void): void {
    const now = this.#now();
    entry.lockedAt ??= now;
    if (now - entry.lockedAt < this.#spinMs) {
      const immediate = setImmediate(retry);
      entry.cancel = () => clearImmediate(immediate);
      return;
    }
    const timer = setTimeout(retry, this.#nextDelay(entry));
    entry.cancel = () => clearTimeout(timer);
  }

  #nextDelay(entry: Waiting): number {
    entry.delayMs = entry.delayMs === 0 ? this.#firstDelayMs : Math.min(entry.delayMs * 2, this.#maxDelayMs);
    return entry.delayMs;
  }
}
