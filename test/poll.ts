/**
 * `vi.waitFor` without Vitest: the helpers that start real processes and servers
 * (process-helpers.ts, redis-server.ts) also run under `npm run chaos`, outside any test, where
 * Vitest's own helpers throw "failed to access its internal state".
 */
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Calls `check` every `interval` ms until it returns without throwing, and returns its value;
 * after `timeout` ms rethrows its last error.
 */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  options: { timeout: number; interval: number },
): Promise<T> {
  const deadline = Date.now() + options.timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await delay(options.interval);
    }
  }
}
