/**
 * How late this process's event loop runs: a timer asks to run every `intervalMs` and notes how
 * much later it actually ran. Acks and relay work share the loop, so a late loop means acks are
 * waiting behind work; the relay queue then runs one relay at a time until the loop is on time.
 */
export interface LoopPressureOptions {
  /** Lateness (ms) above which the loop counts as under pressure (default 10). */
  thresholdMs?: number;
  /** How often the timer runs (default 10 ms). */
  intervalMs?: number;
}

export class LoopPressure {
  readonly #thresholdMs: number;
  readonly #timer: NodeJS.Timeout;
  /** Smoothed lateness in ms: rises at once, falls over a few ticks. */
  #lag = 0;

  constructor(options: LoopPressureOptions = {}) {
    this.#thresholdMs = options.thresholdMs ?? 10;
    const intervalMs = options.intervalMs ?? 10;
    let expected = performance.now() + intervalMs;
    this.#timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - expected);
      expected = now + intervalMs;
      this.#lag = late > this.#lag ? late : this.#lag * 0.7 + late * 0.3;
    }, intervalMs);
    this.#timer.unref();
  }

  /** Lateness now, in ms (smoothed). */
  get lagMs(): number {
    return this.#lag;
  }

  get underPressure(): boolean {
    return this.#lag > this.#thresholdMs;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
