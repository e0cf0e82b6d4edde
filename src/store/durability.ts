/**
 * What a store that can forget says about itself while the bridge runs (today Redis: its eviction
 * policy, its persistence, and whether keys were lost). `/readyz` shows it and is not ready while
 * there is a problem. Stores that cannot lose acknowledged records on their own (SQLite) have none.
 */
export interface StoreDurabilityStatus {
  /** The key `/readyz` shows it under (`redis`). */
  name: string;
  /** Why the store cannot be trusted now, in a few fixed words; undefined while it can. */
  problem: string | undefined;
  /** Settings shown as they are: fixed words and numbers, never an address or an error text. */
  settings: Record<string, string>;
}
