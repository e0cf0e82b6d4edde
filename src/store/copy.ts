/**
 * Copying every relay from one store into another (`fx-bridge store copy`): the way from one box
 * (SQLite) or Redis to PostgreSQL when one box is no longer enough, and back. Each relay goes in
 * through `create`, exactly as it was (id, times, batches, leases), so the destination enforces
 * its own uniqueness. Copying again is harmless: a relay already there is recognised by its id and
 * left alone, so an interrupted copy is finished by running it again.
 */
import type { RelayRecord } from '../relay/types.js';
import type { RelayStore } from './interface.js';
import type { ScannableStore } from './scan.js';

/** Where a copy stands; handed to `onProgress` after each page. */
export interface CopyProgress {
  /** Relays the source held when the copy started (it should not change meanwhile). */
  total: number;
  /** Relays read from the source so far (each once). */
  read: number;
  /** Written into the destination now. */
  copied: number;
  /** In the destination already, with the same id (an earlier or interrupted copy). */
  present: number;
  /** …of which the destination's copy differs from the source's now. */
  differing: number;
  /** Not copied: another relay of the destination holds its request key or Slack message. */
  conflicts: number;
}

export interface CopyReport extends CopyProgress {
  sourceCount: number;
  destinationBefore: number;
  destinationAfter: number;
  /** The first conflicts: the source's relay and the destination's relay in its way. */
  conflicting: { id: string; heldBy: string }[];
  /** Relays in work (received, pending, revoking, syncing) when copied: was a bridge running? */
  inWork: number;
  /** Every relay of the source is in the destination, and the destination grew by what was copied. */
  complete: boolean;
}

export interface CopyOptions {
  /** Relays read per page (default 500). */
  pageSize?: number;
  /** Creates in flight at once (default 8). */
  concurrency?: number;
  onProgress?: (progress: CopyProgress) => void;
}

const IN_WORK = new Set(['received', 'pending', 'revoking', 'syncing']);
const CONFLICTS_KEPT = 20;

export async function copyRelays(
  from: RelayStore & ScannableStore,
  to: RelayStore & ScannableStore,
  options: CopyOptions = {},
): Promise<CopyReport> {
  const pageSize = options.pageSize ?? 500;
  const concurrency = options.concurrency ?? 8;
  const [total, destinationBefore] = await Promise.all([from.count(), to.count()]);
  const progress: CopyProgress = { total, read: 0, copied: 0, present: 0, differing: 0, conflicts: 0 };
  const conflicting: CopyReport['conflicting'] = [];
  // Redis's SCAN may list a relay twice; each is copied and counted once.
  const seen = new Set<string>();
  let inWork = 0;

  const copyOne = async (record: RelayRecord): Promise<void> => {
    const result = await to.create(record);
    if (result.created) {
      progress.copied += 1;
    } else if (result.existing.id === record.id) {
      progress.present += 1;
      if (JSON.stringify(sorted(result.existing)) !== JSON.stringify(sorted(record))) progress.differing += 1;
    } else {
      progress.conflicts += 1;
      if (conflicting.length < CONFLICTS_KEPT)
        conflicting.push({ id: record.id, heldBy: result.existing.id });
    }
  };

  let cursor: string | undefined;
  do {
    const page = await from.scan(cursor, pageSize);
    const fresh = page.records.filter((record) => !seen.has(record.id));
    for (const record of fresh) {
      seen.add(record.id);
      if (IN_WORK.has(record.status)) inWork += 1;
    }
    for (let start = 0; start < fresh.length; start += concurrency) {
      await Promise.all(fresh.slice(start, start + concurrency).map(copyOne));
    }
    progress.read += fresh.length;
    options.onProgress?.({ ...progress });
    cursor = page.next;
  } while (cursor !== undefined);

  const [sourceCount, destinationAfter] = await Promise.all([from.count(), to.count()]);
  const complete =
    progress.conflicts === 0 &&
    progress.read === sourceCount &&
    progress.copied + progress.present === sourceCount &&
    destinationAfter === destinationBefore + progress.copied;
  return { ...progress, sourceCount, destinationBefore, destinationAfter, conflicting, inWork, complete };
}

/** A record with its keys in one order at every depth, for comparing two copies (jsonb reorders). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}
