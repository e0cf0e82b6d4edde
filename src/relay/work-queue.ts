/**
 * Relay work after the ack, with bounded concurrency. The ack path (verify, parse, record, ack)
 * never waits for this queue, and at most `concurrency` relays run at once, so a backlog costs
 * acks at most a few relay steps of CPU between them instead of starving them. Under overload
 * the backlog grows and is told so (`onWaiting`); it drains as relays finish. A stop starts no
 * new work: what is still queued stays recorded and leased, and the next process takes it over.
 */
export interface WorkQueueOptions {
  concurrency: number;
  /** A job still queued after this long is reported once through `onWaiting` (default 2 s). */
  waitingNoticeMs?: number;
  /**
   * True while acks are waiting for the event loop (loop-pressure.ts): then one relay runs at a
   * time, so a backlog drains without taking the loop from the acks. Absent: never.
   */
  underPressure?: () => boolean;
}

export interface QueuedJob {
  /** Runs the work; errors are the job's own to report (the queue only logs nothing). */
  run: () => Promise<void>;
  /** Called once if the job is still waiting after `waitingNoticeMs`, with how many are ahead. */
  onWaiting?: (ahead: number) => void;
}

export class RelayWorkQueue {
  readonly #concurrency: number;
  readonly #noticeMs: number;
  readonly #underPressure: () => boolean;
  #retry: NodeJS.Timeout | undefined;
  readonly #waiting: { job: QueuedJob; timer?: NodeJS.Timeout }[] = [];
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#concurrency = Math.max(1, Math.floor(options.concurrency));
    this.#noticeMs = options.waitingNoticeMs ?? 2_000;
    this.#underPressure = options.underPressure ?? (() => false);
  }

  /** Relays waiting for a free slot. */
  get backlog(): number {
    return this.#waiting.length;
  }

  /** Relays running now. */
  get active(): number {
    return this.#running.size;
  }

  /** Everything not finished: running and waiting. */
  get size(): number {
    return this.#running.size + this.#waiting.length;
  }

  enqueue(job: QueuedJob): void {
    if (this.#stopped) return;
    const entry: { job: QueuedJob; timer?: NodeJS.Timeout } = { job };
    this.#waiting.push(entry);
    if (job.onWaiting) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        const ahead = this.#waiting.indexOf(entry);
        if (ahead >= 0) job.onWaiting?.(ahead + this.#running.size);
      }, this.#noticeMs);
      entry.timer.unref();
    }
    this.#pump();
  }

  /** Stops starting queued work (it stays recorded for a takeover) and waits for running work. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    for (const entry of this.#waiting.splice(0)) clearTimeout(entry.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, remaining);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  /** Resolves once nothing is running or waiting (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.size > 0) {
      // Jobs held back by pressure start from a timer: let it fire instead of spinning on nothing.
      if (this.#running.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      else await Promise.allSettled([...this.#running]);
    }
  }

  #pump(): void {
    const limit = this.#underPressure() ? 1 : this.#concurrency;
    if (this.#running.size >= limit && this.#waiting.length > 0 && limit < this.#concurrency) {
      // Held back by pressure only: look again shortly, not only when a running job ends.
      this.#retry ??= setTimeout(() => {
        this.#retry = undefined;
        this.#pump();
      }, 5);
    }
    while (!this.#stopped && this.#running.size < limit && this.#waiting.length > 0) {
      const entry = this.#waiting.shift();
      if (!entry) break;
      clearTimeout(entry.timer);
      // A macrotask boundary before each job: acks queued behind it get the event loop first.
      const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => entry.job.run())
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(running);
          this.#pump();
        });
      this.#running.add(running);
    }
  }
}
