/**
 * Slack's clocks (3 s to ack, 3 s to use a trigger_id) do not wait for Fxiaoke or for users.info.
 * `within` gives a promise a budget: its value if it settles in time, else undefined (and a
 * rejection counts as no value), while the work itself carries on for whoever still wants it.
 */
import { beforeDeadline } from '../../util/deadline.js';

export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const outcome = await beforeDeadline(
    promise.catch(() => undefined),
    ms,
  );
  return outcome.inTime ? outcome.value : undefined;
}
