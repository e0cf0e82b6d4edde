/**
 * A small cache of answers that go stale: each value is fresh for `ttlMs`, and while one key is
 * being loaded every caller of that key shares the one load (single flight), so a burst of
 * mentions of one person asks the upstream once. A failed load is not cached: it rejects its
 * waiters and the next caller tries again. With `maxEntries`, the entry written longest ago goes
 * first (a Map iterates in insertion order, and a write moves its key to the end).
 */
export interface TtlCacheOptions {
  ttlMs: number;
  /** Entries kept at most; without it, as many keys as are asked for. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  at: number;
}

export class TtlCache<K, V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<K, Entry<V>>();
  readonly #flights = new Map<K, Promise<V>>();

  constructor(options: TtlCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    this.#now = options.now ?? Date.now;
  }

  /** The value if it is fresh; no load. (Wrapped, so that a cached `undefined` is an answer.) */
  fresh(key: K): { value: V } | undefined {
    const entry = this.#entries.get(key);
    return entry && this.#now() - entry.at < this.#ttlMs ? { value: entry.value } : undefined;
  }

  /** The last value loaded for `key`, however old: what a caller may fall back on when a load fails. */
  stale(key: K): { value: V } | undefined {
    const entry = this.#entries.get(key);
    return entry ? { value: entry.value } : undefined;
  }

  /** The fresh value, else the one load in flight for `key` (started by `load` if none is). */
  get(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const cached = this.fresh(key);
    if (cached) return Promise.resolve(cached.value);
    let flight = this.#flights.get(key);
    if (!flight) {
      flight = load(key).then((value) => {
        this.#store(key, value);
        return value;
      });
      this.#flights.set(key, flight);
      const forget = () => this.#flights.delete(key);
      flight.then(forget, forget);
    }
    return flight;
  }

  #store(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.#now() });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}
