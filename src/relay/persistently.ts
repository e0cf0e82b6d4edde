/** The retry policy of the store writes that record what Fxiaoke did. */
import type { RelayDeps } from './deps.js';
import { isStoreRefusal } from './ports/store-errors.js';

/** Backoff of a held-back store write: quick at first, then every few seconds. */
const WRITE_RETRY_MS = [50, 100, 250, 500, 1_000, 2_000, 4_000];

/** How long the `attempt`-th retry of something waiting for the store waits (from 0). */
export function storeRetryDelayMs(attempt: number): number {
  return WRITE_RETRY_MS[Math.min(attempt, WRITE_RETRY_MS.length - 1)] ?? 4_000;
}

/**
 * A store write that must land: what Fxiaoke did (a message id, a traceId, a revoke) is known only
 * here. A failure is retried, with backoff, for as long as the process lives — through a Redis
 * restart or a long SQLite lock — so the receipt and Revoke work once the store is back. Only a
 * stop that gave up waiting (`writesAbandoned`) ends it: the error log then carries every detail
 * the record would have held, and the next start marks the call "may have been delivered".
 */
export async function persistently<T>(
  deps: Pick<RelayDeps, 'log' | 'writesAbandoned'>,
  what: object,
  write: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await write();
      if (attempt >= 3) deps.log.info({ ...what, attempts: attempt + 1 }, 'held-back store write landed');
      return result;
    } catch (error) {
      if (isStoreRefusal(error)) throw error;
      if (deps.writesAbandoned()) {
        deps.log.error(
          { ...what, err: error },
          'relay store write failed at shutdown; the details above are the only record',
        );
        throw error;
      }
      if (attempt === 2) {
        deps.log.warn({ ...what, err: error }, 'relay store write failed; holding it back and retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, storeRetryDelayMs(attempt)));
    }
  }
}
