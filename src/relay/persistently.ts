/** The retry policy of the store writes that record what Fxiaoke did, and of work that waits for the store. */
import type { RelayDeps } from './deps.js';
import { isStoreRefusal } from './ports/store-errors.js';

/** Backoff of a held-back store write: quick at first, then every few seconds. */
const WRITE_RETRY_MS = [50, 100, 250, 500, 1_000, 2_000, 4_000];

/** What a held-back operation says in the log, and which failures it does not wait out. */
export interface HoldBack {
  /** A failure that waiting will not change: thrown at once. */
  final(error: unknown): boolean;
  /** WARN on the third failed try. */
  holding: string;
  /** INFO when it succeeds after three or more tries. */
  landed: string;
  /** ERROR when a stop gave up waiting (the error is thrown after it); none when nothing is lost by it. */
  givenUp?: string;
}

/**
 * Runs `operation` until it succeeds, with backoff, for as long as the process lives; only a
 * failure `policy.final` names, or a stop that gave up waiting (`writesAbandoned`), ends it.
 */
export async function holdingBack<T>(
  deps: Pick<RelayDeps, 'log' | 'writesAbandoned'>,
  what: object,
  policy: HoldBack,
  operation: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await operation();
      if (attempt >= 3) deps.log.info({ ...what, attempts: attempt + 1 }, policy.landed);
      return result;
    } catch (error) {
      if (policy.final(error)) throw error;
      if (deps.writesAbandoned()) {
        if (policy.givenUp) deps.log.error({ ...what, err: error }, policy.givenUp);
        throw error;
      }
      if (attempt === 2) deps.log.warn({ ...what, err: error }, policy.holding);
      const delay = WRITE_RETRY_MS[Math.min(attempt, WRITE_RETRY_MS.length - 1)];
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

const STORE_WRITE: HoldBack = {
  final: isStoreRefusal,
  holding: 'relay store write failed; holding it back and retrying',
  landed: 'held-back store write landed',
  givenUp: 'relay store write failed at shutdown; the details above are the only record',
};

/**
 * A store write that must land: what Fxiaoke did (a message id, a traceId, a revoke) is known only
 * here. A failure is retried, with backoff, for as long as the process lives — through a Redis
 * restart or a long SQLite lock — so the receipt and Revoke work once the store is back. Only a
 * stop that gave up waiting (`writesAbandoned`) ends it: the error log then carries every detail
 * the record would have held, and the next start marks the call "may have been delivered".
 */
export function persistently<T>(
  deps: Pick<RelayDeps, 'log' | 'writesAbandoned'>,
  what: object,
  write: () => Promise<T>,
): Promise<T> {
  return holdingBack(deps, what, STORE_WRITE, write);
}
