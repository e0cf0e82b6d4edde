/**
 * One Fxiaoke tenant's rate budget inside a limiter several tenants share (install mode). Fxiaoke
 * counts calls per enterprise, so each tenant gets the full budget of every endpoint, counted
 * apart: its paths are kept under its scope (`T:T123/cgi/message/send`) in the shared limiter —
 * in this process, the SQLite file, Redis or PostgreSQL alike — and the limiter finds the
 * endpoint's budget behind the scope (rate-limiter.ts endpointOf). One tenant's queue or penalty
 * never holds up another's calls.
 */
import type { AcquireOptions, Grant, RateLimiter } from './rate-limiter.js';

export class ScopedRateLimiter implements RateLimiter {
  constructor(
    private readonly shared: RateLimiter,
    /** The tenant's scope: an installation key, which holds no `/`. */
    readonly scope: string,
  ) {
    if (scope.length === 0 || scope.includes('/'))
      throw new RangeError('A rate-limit scope is a key without "/"');
  }

  acquire(path: string, options?: AcquireOptions): Promise<Grant> {
    return this.shared.acquire(this.scope + path, options);
  }

  penalize(path: string, untilMs: number): void | Promise<void> {
    return this.shared.penalize(this.scope + path, untilMs);
  }

  now(): number {
    return this.shared.now();
  }

  /** The shared limiter's whole queue: the metric counts every tenant's waiters. */
  queueDepth(): number {
    return this.shared.queueDepth();
  }

  /** The shared limiter is closed once, by whoever opened it. */
  async close(): Promise<void> {}
}
