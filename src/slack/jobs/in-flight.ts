/**
 * Work that runs after ack() outlives the HTTP request. On shutdown the bridge stops taking new
 * requests, then waits for this work so no relay is left `pending` by a clean stop.
 */
import { beforeDeadline } from '../../util/deadline.js';

export class InFlightWork {
  private readonly running = new Set<Promise<unknown>>();

  get size(): number {
    return this.running.size;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves true when everything finished, false when `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await beforeDeadline(Promise.allSettled([...this.running]), remaining);
    }
    return true;
  }
}
