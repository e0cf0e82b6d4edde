/**
 * Paces Fxiaoke calls to a budget per endpoint (about 100 calls per 20 s; token endpoints 10 per
 * 60 s). A burst beyond the budget is queued, not failed: `acquire()` resolves once a slot frees,
 * first come first served per endpoint. When Fxiaoke still answers 30004/14001 the client calls
 * `penalize()`: every caller of that endpoint pauses, and the budget is halved and then regained
 * step by step (one tenth of it per window), so the pace adapts to a real limit tighter than ours.
 *
 * A call holds its slot from its grant until `done()` and then for a whole window from that moment:
 * Fxiaoke counts a call when it arrives, somewhere between the two, so counting from the answer
 * keeps two calls a window apart at Fxiaoke however long each took to get there.
 *
 * The queue lives here; where the budget is counted is the subclass's business (this process, the
 * SQLite file for the processes on it, Redis or PostgreSQL for all replicas: store/, redis/, postgres/).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RateLimiterClosedError } from './errors.js';
import { TOKEN_PATHS } from './token-manager.js';

export interface RateBudget {
  calls: number;
  windowMs: number;
}

/** The token endpoints tolerate about 10 calls a minute. */
export const TOKEN_RATE_BUDGET: RateBudget = { calls: 10, windowMs: 60_000 };

export interface AcquireOptions {
  /** Called once, before waiting, with an estimate of the wait; never called when a slot is free. */
  onWait?: (waitMs: number) => void;
  /** A retry of a call that already queued once: it goes to the front, so arrival order is kept. */
  retry?: boolean;
}

export interface Grant {
  /** Time queued for the budget; 0 when a slot was free (then `onWait` was not called either). */
  waitedMs: number;
  /** When the budget counted the call (Redis server time for the shared limiter). */
  grantedAt: number;
  /** The call is over (answered or failed): its slot is counted from now. Never rejects. */
  done(): Promise<void>;
}

export interface RateLimiter {
  acquire(path: string, options?: AcquireOptions): Promise<Grant>;
  /** Pauses `path` for every caller until `untilMs` (on `now()`'s clock) and lowers its budget. */
  penalize(path: string, untilMs: number): void | Promise<void>;
  /** The clock `penalize` reads `untilMs` on. */
  now(): number;
  /** Callers waiting in this process, all endpoints together (a metric). */
  queueDepth(): number;
  /** Rejects every waiter; later acquires throw. */
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Budget of every endpoint but those in `budgets` (FXIAOKE_RATE_LIMIT_*, config.ts DEFAULTS). */
  budget: RateBudget;
  /** Budgets of particular paths; the token endpoints default to 10 per 60 s. */
  budgets?: Readonly<Record<string, RateBudget>>;
  /**
   * Added to every window, for clocks that tick apart (ours, Redis's, Fxiaoke's) and for Fxiaoke
   * counting by a coarser window than it says. Default windowMs / 50, at least 50 ms.
   */
  marginMs?: number;
  now?: () => number;
  /** Injected in tests with a fake clock; must reject or resolve early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A budget as the limiters count it: margin included, and how much is regained per window. */
export interface EffectiveBudget {
  calls: number;
  windowMs: number;
  step: number;
}

/** `slot` names the grant, so `finish` can move it to the time the call ended. */
export type Decision = { go: true; at: number; slot: string } | { go: false; waitMs: number };

// Defined with the adapter's other errors; exported here too, beside the limiter that throws it.
export { RateLimiterClosedError };

interface Waiter {
  resolve: (grant: Grant) => void;
  reject: (error: unknown) => void;
  enqueuedAt: number;
  onWait: ((waitMs: number) => void) | undefined;
  notified: boolean;
}

interface Lane {
  queue: Waiter[];
  pumping: boolean;
  /** While the pump sleeps: when it wakes, so a newcomer can be told it is queued at once. */
  wakeAt: number | undefined;
}

function checkBudget(budget: RateBudget, label: string): RateBudget {
  if (!(Number.isInteger(budget.calls) && budget.calls >= 1 && budget.windowMs > 0)) {
    throw new RangeError(`${label}: a budget needs calls ≥ 1 and windowMs > 0`);
  }
  return budget;
}

/**
 * The endpoint of a limiter path: the path itself, or what follows a tenant's scope
 * (`T:T123/cgi/message/send`, scoped-rate-limiter.ts), so a tenant's token endpoint keeps the
 * token budget. Scopes hold no `/`.
 */
export function endpointOf(path: string): string {
  const slash = path.indexOf('/');
  return slash > 0 ? path.slice(slash) : path;
}

export abstract class QueuedRateLimiter implements RateLimiter {
  protected readonly clock: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #default: RateBudget;
  readonly #budgets: Map<string, RateBudget>;
  readonly #marginMs: number | undefined;
  readonly #lanes = new Map<string, Lane>();
  readonly #abort = new AbortController();
  #closed = false;

  constructor(options: RateLimiterOptions) {
    this.clock = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#default = checkBudget(options.budget, 'rate limit');
    this.#budgets = new Map([
      [TOKEN_PATHS.header, TOKEN_RATE_BUDGET],
      [TOKEN_PATHS.legacy, TOKEN_RATE_BUDGET],
      ...Object.entries(options.budgets ?? {}).map(([path, b]) => [path, checkBudget(b, path)] as const),
    ]);
    this.#marginMs = options.marginMs;
  }

  /** Counts a call against `path` now, or says how long until a slot may be free. */
  protected abstract decide(path: string, budget: EffectiveBudget): Decision | Promise<Decision>;

  /** Restarts the window of a granted call at the moment it ended. */
  protected abstract finish(path: string, slot: string, budget: EffectiveBudget): void | Promise<void>;

  abstract penalize(path: string, untilMs: number): void | Promise<void>;

  now(): number {
    return this.clock();
  }

  budgetFor(path: string): EffectiveBudget {
    const { calls, windowMs } = this.#budgets.get(endpointOf(path)) ?? this.#default;
    const margin = this.#marginMs ?? Math.max(50, Math.round(windowMs / 50));
    // Whole milliseconds: Redis's PEXPIRE takes no fractions.
    return { calls, windowMs: Math.ceil(windowMs + margin), step: Math.max(1, Math.ceil(calls / 10)) };
  }

  queueDepth(): number {
    let depth = 0;
    for (const lane of this.#lanes.values()) depth += lane.queue.length;
    return depth;
  }

  acquire(path: string, options: AcquireOptions = {}): Promise<Grant> {
    if (this.#closed) return Promise.reject(new RateLimiterClosedError());
    let lane = this.#lanes.get(path);
    if (!lane) {
      lane = { queue: [], pumping: false, wakeAt: undefined };
      this.#lanes.set(path, lane);
    }
    const current = lane;
    return new Promise<Grant>((resolve, reject) => {
      const waiter = { resolve, reject, enqueuedAt: this.clock(), onWait: options.onWait, notified: false };
      if (options.retry) current.queue.unshift(waiter);
      else current.queue.push(waiter);
      if (current.wakeAt !== undefined) {
        const position = options.retry ? 0 : current.queue.length - 1;
        this.#tell(waiter, position, current.wakeAt - waiter.enqueuedAt, this.budgetFor(path));
      }
      void this.#pump(path, current);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const lane of this.#lanes.values()) {
      for (const waiter of lane.queue.splice(0)) waiter.reject(new RateLimiterClosedError());
    }
  }

  /** One loop per endpoint serves its queue in order, so waiters do not all poll at once. */
  async #pump(path: string, lane: Lane): Promise<void> {
    if (lane.pumping) return;
    lane.pumping = true;
    try {
      while (lane.queue.length > 0 && !this.#closed) {
        const budget = this.budgetFor(path);
        let decision: Decision;
        try {
          decision = await this.decide(path, budget);
        } catch (error) {
          // The budget cannot be counted (Redis down): fail everyone waiting rather than guess.
          for (const waiter of lane.queue.splice(0)) waiter.reject(error);
          break;
        }
        if (this.#closed) break;
        if (decision.go) {
          const waiter = lane.queue.shift();
          // Only a waiter that was told it is queued has waited; a round trip to Redis is no wait.
          const waitedMs = waiter?.notified ? Math.max(0, this.clock() - waiter.enqueuedAt) : 0;
          const { slot } = decision;
          let finished: Promise<void> | undefined;
          const done = () => {
            // A failure here only leaves the slot counted from its grant, as without done().
            finished ??= Promise.resolve()
              .then(() => this.finish(path, slot, budget))
              .catch(() => undefined);
            return finished;
          };
          waiter?.resolve({ waitedMs, grantedAt: decision.at, done });
          continue;
        }
        lane.queue.forEach((waiter, position) => {
          this.#tell(waiter, position, decision.waitMs, budget);
        });
        lane.wakeAt = this.clock() + decision.waitMs;
        try {
          await this.#sleep(decision.waitMs, this.#abort.signal);
        } catch {
          // Aborted by close(); the loop condition ends it.
        }
        lane.wakeAt = undefined;
      }
    } finally {
      lane.pumping = false;
    }
  }

  /** Tells a waiter once that it is queued, with a rough estimate of its wait. */
  #tell(waiter: Waiter, position: number, headWaitMs: number, budget: EffectiveBudget): void {
    if (waiter.notified) return;
    waiter.notified = true;
    const estimate = Math.max(1, headWaitMs + Math.floor(position / budget.calls) * budget.windowMs);
    try {
      waiter.onWait?.(Math.round(estimate));
    } catch {
      // An observer's failure must not stall the queue.
    }
  }
}

interface PathState {
  /** Calls inside the current window, by the time they count from (grant, then end), oldest first. */
  grants: { slot: string; at: number }[];
  pausedUntil: number;
  /** Lowered budget after a penalty, regained by `step` per window since `since`. */
  cap: number | undefined;
  since: number;
}

/**
 * The budget counted in this process: right for the memory store (tests) and `sqlite::memory:`,
 * where no other process can share it. A SQLite file shares it (store/sqlite-rate-limiter.ts).
 */
export class InProcessRateLimiter extends QueuedRateLimiter {
  readonly #paths = new Map<string, PathState>();
  #slots = 0;

  protected decide(path: string, budget: EffectiveBudget): Decision {
    const now = this.clock();
    const state = this.#state(path);
    if (now < state.pausedUntil) return { go: false, waitMs: state.pausedUntil - now };
    while (state.grants.length > 0 && (state.grants[0]?.at ?? now) <= now - budget.windowMs) {
      state.grants.shift();
    }
    const cap = this.#cap(state, budget, now);
    if (state.grants.length < cap) {
      const slot = String(++this.#slots);
      state.grants.push({ slot, at: now });
      return { go: true, at: now, slot };
    }
    // Fewer than `cap` remain once the grant `cap` places from the newest leaves the window.
    const edge = state.grants[state.grants.length - cap]?.at ?? now;
    return { go: false, waitMs: Math.max(1, edge + budget.windowMs - now) };
  }

  protected finish(path: string, slot: string): void {
    const state = this.#state(path);
    const grant = state.grants.find((each) => each.slot === slot);
    // A call that outlasted a window was pruned meanwhile; Fxiaoke may have counted it late: add it back.
    if (grant) grant.at = this.clock();
    else state.grants.push({ slot, at: this.clock() });
    state.grants.sort((a, b) => a.at - b.at);
  }

  penalize(path: string, untilMs: number): void {
    const now = this.clock();
    const state = this.#state(path);
    // Several calls of one burst are refused together: lower the budget once per pause, not per call.
    if (now >= state.pausedUntil) {
      const budget = this.budgetFor(path);
      state.cap = Math.max(1, Math.floor(this.#cap(state, budget, now) / 2));
      state.since = now;
    }
    state.pausedUntil = Math.max(state.pausedUntil, untilMs);
  }

  #cap(state: PathState, budget: EffectiveBudget, now: number): number {
    if (state.cap === undefined) return budget.calls;
    const regained = state.cap + Math.floor((now - state.since) / budget.windowMs) * budget.step;
    if (regained >= budget.calls) state.cap = undefined;
    return Math.min(budget.calls, regained);
  }

  #state(path: string): PathState {
    let state = this.#paths.get(path);
    if (!state) {
      state = { grants: [], pausedUntil: Number.NEGATIVE_INFINITY, cap: undefined, since: 0 };
      this.#paths.set(path, state);
    }
    return state;
  }
}
