/**
 * A Fxiaoke call that waits out an outage of what it needs besides Fxiaoke: the shared rate budget
 * and token, kept in Redis or PostgreSQL beside the relays. Such a failure means nothing of the call
 * went out (fxiaoke/client.ts consults them before `beforeDispatch`), so making it again cannot
 * deliver twice; failing it instead would turn a store outage into acked messages never sent.
 * Like a held-back store write (persistently.ts), it waits for as long as the process lives, and a
 * stop that gave up waiting records the failure as it is: nothing went out.
 */
import type { RelayDeps } from './deps.js';
import { holdingBack } from './persistently.js';

export function whenReachable<T>(
  deps: Pick<RelayDeps, 'fxiaoke' | 'log' | 'writesAbandoned'>,
  what: object,
  call: () => Promise<T>,
): Promise<T> {
  return holdingBack(
    deps,
    what,
    {
      final: (thrown) => !deps.fxiaoke.failureOf(thrown)?.retryLater,
      holding:
        'Fxiaoke call waits for the shared rate budget and token (the store); nothing of it went out, retrying',
      landed: 'held-back Fxiaoke call went out',
    },
    call,
  );
}
