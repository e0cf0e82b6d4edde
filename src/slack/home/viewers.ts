/**
 * Who has opened the App Home lately, so a send or revoke republishes the Home of those who look
 * at it and no one else's. Slack sends `app_home_opened` each time a user switches to the tab, and
 * that publishes a fresh Home anyway; a publish after every relay for people who never look would
 * double the Slack calls per relay and run into `views.publish`'s rate limit at volume.
 *
 * Per process: with several replicas, a replica refreshes the Homes it saw opened (the next open
 * shows the rest fresh).
 */
export interface HomeViewersOptions {
  /** How long an open counts. Default 24 h. */
  ttlMs?: number;
  /** Users remembered at most (the least recently opened are forgotten first). Default 50,000. */
  maxUsers?: number;
  now?: () => number;
}

export class HomeViewers {
  readonly #openedAt = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxUsers: number;
  readonly #now: () => number;

  constructor(options: HomeViewersOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#maxUsers = options.maxUsers ?? 50_000;
    this.#now = options.now ?? Date.now;
  }

  /** The user has the Home open (app_home_opened, or a click in the Home). */
  opened(userId: string): void {
    // Re-inserted so the Map's order stays least recently opened first.
    this.#openedAt.delete(userId);
    this.#openedAt.set(userId, this.#now());
    while (this.#openedAt.size > this.#maxUsers) {
      const oldest = this.#openedAt.keys().next().value;
      if (oldest === undefined) break;
      this.#openedAt.delete(oldest);
    }
  }

  looksAtHome(userId: string): boolean {
    const at = this.#openedAt.get(userId);
    if (at === undefined) return false;
    if (this.#now() - at <= this.#ttlMs) return true;
    this.#openedAt.delete(userId);
    return false;
  }
}
