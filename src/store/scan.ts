/**
 * Reading a whole store a page at a time: what `fx-bridge store copy` needs, and no request path
 * does. Kept apart from RelayStore so the map's interface stays what the bridge uses; the stores
 * that can be copied (SQLite, Redis, PostgreSQL) implement both.
 */
import type { RelayRecord } from '../relay/types.js';
import type { RelayStore } from './interface.js';

export interface RelayPage {
  records: RelayRecord[];
  /** Where the next page starts; undefined once the store has been read to its end. */
  next: string | undefined;
}

export interface ScannableStore {
  /**
   * The relays after `cursor` (undefined: from the start), about `limit` of them. The cursor is
   * the store's own (opaque). Every relay present for the whole scan comes back at least once;
   * one may come back twice (Redis's SCAN may), so a reader must not mind repeats.
   */
  scan(cursor: string | undefined, limit: number): Promise<RelayPage>;
  /** How many relays the store holds. */
  count(): Promise<number>;
}

export function isScannable(store: RelayStore): store is RelayStore & ScannableStore {
  const candidate = store as Partial<ScannableStore>;
  return typeof candidate.scan === 'function' && typeof candidate.count === 'function';
}
