/**
 * A Fxiaoke call that waits out an outage of what it needs besides Fxiaoke: the shared rate budget
 * and token, kept in Redis or PostgreSQL beside the relays. Such a failure means nothing of the call
 * went out (fxiaoke/client.ts consults them before `beforeDispatch`), so making it again cannot
 * deliver twice; failing it instead would turn a store outage into acked messages never sent.
 * Like a held-back store write (persistently.ts), it waits for as long as the process lives, and a
 * stop that gave up waiting records the failure as it is: nothing went out.
 */
import type { RelayDeps } from './deps.js';
import { storeRetryDelayMs } from './persistently.js';

export async function whenReachable<T>(
  deps: Pick<RelayDeps, 'fxiaoke' | 'log' | 'writesAbandoned'>,
  what: object,
  call: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await call();
      if (attempt >= 3) deps.log.info({ ...what, attempts: attempt + 1 }, 'held-back Fxiaoke call went out');
      return result;
    } catch (thrown) {
      if (!deps.fxiaoke.failureOf(thrown)?.retryLater || deps.writesAbandoned()) throw thrown;
      if (attempt === 2) {
        deps.log.warn(
          { ...what, err: thrown },
          'Fxiaoke call waits for the shared rate budget and token (the store); nothing of it went out, retrying',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, storeRetryDelayMs(attempt)));
    }
  }
}
