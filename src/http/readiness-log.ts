/**
 * What `/readyz` writes to the log: a change of readiness, not every probe. The endpoint is
 * unauthenticated and may be probed many times a second (a load balancer, a kubelet, anyone), so a
 * line per failing probe could fill the log. One WARN when the bridge stops being ready, naming each
 * failing check and why; another only when the set of failing checks changes; one INFO when it is
 * ready again.
 *
 * Every readiness check goes through here: the handler hands over all of them as one record
 * (`ok`, or why not; `undefined` for a check that does not apply), and readiness is whether none
 * fails, so a new check is logged and counted by adding it to that record.
 */

/** Each check's result: `ok`, or why not (for the log only); undefined when not checked here. */
export type ReadinessChecks = Record<string, string | undefined>;

/** The checks that fail, with why. */
export function failingChecks(checks: ReadinessChecks): Record<string, string> {
  return Object.fromEntries(
    Object.entries(checks).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== 'ok',
    ),
  );
}

export class ReadinessLog {
  /** Names of the checks that failed at the last probe, sorted and joined; '' while ready. */
  #failing = '';

  constructor(
    private readonly log: {
      warn(details: object, message: string): void;
      info(details: object, message: string): void;
    },
  ) {}

  /** One probe's checks: logged only when which of them fail differs from the last probe. */
  observe(checks: ReadinessChecks): void {
    const failing = failingChecks(checks);
    const key = Object.keys(failing).sort().join(',');
    if (key === this.#failing) return;
    const wasReady = this.#failing === '';
    this.#failing = key;
    if (key === '') this.log.info({ checks }, 'ready again');
    else
      this.log.warn(
        { checks, failing: Object.keys(failing) },
        wasReady ? 'not ready' : 'still not ready, for another reason',
      );
  }
}
