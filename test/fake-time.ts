/**
 * A fake clock for the rate limiters: sleeping registers a timer, and once every pending promise
 * has settled (setImmediate) time jumps to the earliest timer. No real waiting, same order as real
 * time. Several limiters may share one (two processes on one host clock).
 */
export class FakeTime {
  ms = 0;
  readonly #timers: { at: number; resolve: () => void }[] = [];
  readonly now = (): number => this.ms;
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.#timers.push({ at: this.ms + ms, resolve });
      setImmediate(() => this.#fireEarliest());
    });

  #fireEarliest(): void {
    this.#timers.sort((a, b) => a.at - b.at);
    const timer = this.#timers.shift();
    if (!timer) return;
    this.ms = Math.max(this.ms, timer.at);
    timer.resolve();
  }
}
