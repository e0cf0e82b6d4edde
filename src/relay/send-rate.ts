/**
 * The per-user send limit (`limits.sendsPerUserPerMinute`): a sliding window per Slack user over the
 * relays they started. Only a relay that is actually claimed counts: a slot is taken when the
 * relay is claimed in the store and given back when the claim finds a duplicate; refusals and held
 * relays take none. This file holds the contract and the in-process limiter; the one shared by
 * replicas lives in src/redis/send-limiter.ts.
 */

export const SEND_RATE_WINDOW_MS = 60_000;

/** A slot in a user's window, for the relay being claimed. */
export interface SendSlot {
  /** Gives the slot back (the claim found a duplicate): nothing was started. */
  release(): Promise<void>;
}

export interface SendRateLimiter {
  /** Relays one user may start per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** How long until `userId` may start a relay; 0 when now. Takes nothing. */
  waitFor(userId: string): Promise<number>;
  /** Takes a slot when there is one, atomically; otherwise says how long to wait. */
  take(userId: string): Promise<SendSlot | { retryAfterMs: number }>;
}

export interface InProcessSendLimiterOptions {
  limit: number;
  windowMs?: number;
  now?: () => number;
}

interface Stamp {
  at: number;
}

/** Per-process limiter (SQLite and memory stores: one process serves every request). */
export class InProcessSendLimiter implements SendRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Stamp[]>();
  #lastSweep = 0;

  constructor(options: InProcessSendLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new Error('InProcessSendLimiter needs a limit of at least 1 (no limiter means no limit)');
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? SEND_RATE_WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  async waitFor(userId: string): Promise<number> {
    return this.#wait(this.#current(userId, this.#now()), this.#now());
  }

  async take(userId: string): Promise<SendSlot | { retryAfterMs: number }> {
    const now = this.#now();
    const stamps = this.#current(userId, now);
    const wait = this.#wait(stamps, now);
    if (wait > 0) return { retryAfterMs: wait };
    const stamp: Stamp = { at: now };
    stamps.push(stamp);
    this.#windows.set(userId, stamps);
    return {
      release: async () => {
        const held = this.#windows.get(userId);
        const index = held?.indexOf(stamp) ?? -1;
        if (held && index >= 0) held.splice(index, 1);
      },
    };
  }

  /** Users with a stamp in the window (tests; the map never keeps idle users for long). */
  get trackedUsers(): number {
    return this.#windows.size;
  }

  /** The user's stamps still in the window; stale ones (and, now and then, idle users) dropped. */
  #current(userId: string, now: number): Stamp[] {
    this.#sweep(now);
    const stamps = (this.#windows.get(userId) ?? []).filter((stamp) => stamp.at > now - this.windowMs);
    if (stamps.length === 0) this.#windows.delete(userId);
    else this.#windows.set(userId, stamps);
    return stamps;
  }

  #wait(stamps: readonly Stamp[], now: number): number {
    if (stamps.length < this.limit) return 0;
    // Stamps are in time order: the one that must leave the window to free a slot.
    const edge = stamps[stamps.length - this.limit];
    return edge ? Math.max(1, edge.at + this.windowMs - now) : 0;
  }

  /** Forgets users idle for a whole window, at most once a window, so the map stays small. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.windowMs) return;
    this.#lastSweep = now;
    for (const [userId, stamps] of this.#windows) {
      if (stamps.every((stamp) => stamp.at <= now - this.windowMs)) this.#windows.delete(userId);
    }
  }
}

/**
 * One workspace's per-user limit inside a limiter several share (install mode): each user is
 * counted under the workspace's installation key, so the same user id in two workspaces never
 * shares a budget.
 */
export function scopedSendLimiter(shared: SendRateLimiter, scope: string): SendRateLimiter {
  return {
    limit: shared.limit,
    windowMs: shared.windowMs,
    waitFor: (userId) => shared.waitFor(`${scope}/${userId}`),
    take: (userId) => shared.take(`${scope}/${userId}`),
  };
}
