/** `fx-bridge relays list|show` and `fx-bridge prune`: support and housekeeping on the store. */
import type { Config } from '../config.js';
import { slackRefOfMessageKey } from '../relay/ids.js';
import { IN_WORK } from '../relay/lifecycle.js';
import { RELAY_STATUSES, type RelayRecord, type RelayStatus, type SlackMessageRef } from '../relay/types.js';
import { openStore } from '../store/index.js';
import type { RelayStore } from '../store/interface.js';
import { TenantRelayStore } from '../store/tenant-store.js';
import { formatRelayDetails, formatRelayList } from './format.js';
import { type CliIo, EXIT, type ExitCode, UsageError } from './io.js';
import { workspaceKey } from './workspaces.js';

export interface ListOptions {
  users: string[];
  statuses: RelayStatus[];
  limit: number;
  json: boolean;
  /** Install mode: only this workspace's relays (`T…`, or `E…` for an org-wide install). */
  workspace?: string;
}

const DAY_MS = 86_400_000;

/** Reads `--status sent,partial` (repeatable) into known statuses, or says which ones are not. */
export function parseStatuses(values: readonly string[]): RelayStatus[] {
  const statuses = values.flatMap((value) => value.split(',')).map((value) => value.trim());
  const unknown = statuses.filter((status) => !(RELAY_STATUSES as readonly string[]).includes(status));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown status ${unknown.map((status) => `"${status}"`).join(', ')}; use ${RELAY_STATUSES.join(', ')}`,
      'fx-bridge relays list --help',
    );
  }
  return [...new Set(statuses as RelayStatus[])];
}

/** A relay id (`rl_…`) or a Slack message key (`team:channel:ts`), as logs and receipts show them. */
export function parseRelayRef(value: string): { id: string } | { slack: SlackMessageRef } {
  const slack = slackRefOfMessageKey(value);
  if (slack) return { slack };
  if (!value.includes(':') && value.length > 0) return { id: value };
  throw new UsageError(
    `"${value}" is neither a relay id (rl_…) nor a Slack message key (team:channel:ts)`,
    'fx-bridge relays show --help',
  );
}

/** Opens the store STORE_URL names for one command, and closes it after. */
export async function withStore<T>(config: Config, use: (store: RelayStore) => Promise<T>): Promise<T> {
  const store = await openStore(config.storeUrl, {
    redisKeyPrefix: config.redisKeyPrefix,
    postgres: config.postgres,
  });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/**
 * Without filters the store's newest-first listing answers directly. A status filter has only the
 * recovery listing (oldest first), so then every match is read and sorted here: fine for a
 * support tool over a retention-bounded store.
 */
async function findRelays(store: RelayStore, options: ListOptions): Promise<RelayRecord[]> {
  const wanted = (record: RelayRecord) =>
    options.statuses.length === 0 || options.statuses.includes(record.status);
  let found: RelayRecord[];
  if (options.users.length === 0 && options.statuses.length === 0) {
    found = await store.listRecent(options.limit);
  } else if (options.users.length > 0) {
    // A status filter applies after the store's limit, so read all of each sender's relays then.
    const perUser = options.statuses.length > 0 ? Number.MAX_SAFE_INTEGER : options.limit;
    const lists = await Promise.all(options.users.map((user) => store.listBySender(user, perUser)));
    found = lists.flat().filter(wanted);
  } else {
    found = await store.listByStatus(options.statuses, Number.MAX_SAFE_INTEGER);
  }
  const unique = new Map(found.map((record) => [record.id, record]));
  return [...unique.values()]
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, options.limit);
}

export async function runRelaysList(io: CliIo, config: Config, options: ListOptions): Promise<ExitCode> {
  const key = options.workspace === undefined ? undefined : workspaceKey(options.workspace);
  const records = await withStore(config, (store) =>
    key === undefined
      ? findRelays(store, options)
      : // The workspace's own view of the store (as its bridge sees it); its lists are filtered after
        // the read, so every relay is read and the limit applied here.
        findRelays(new TenantRelayStore(store, key), { ...options, limit: Number.MAX_SAFE_INTEGER }).then(
          (found) => found.slice(0, options.limit),
        ),
  );
  io.out(options.json ? JSON.stringify(records, null, 2) : formatRelayList(records));
  return EXIT.ok;
}

export async function runRelaysShow(
  io: CliIo,
  config: Config,
  reference: string,
  json: boolean,
): Promise<ExitCode> {
  const ref = parseRelayRef(reference);
  const record = await withStore(config, (store) =>
    'id' in ref ? store.findById(ref.id) : store.findBySlackMessage(ref.slack),
  );
  if (!record) {
    io.err(`No relay ${'id' in ref ? `with id ${ref.id}` : `keyed by Slack message ${reference}`}.`);
    return EXIT.failed;
  }
  io.out(json ? JSON.stringify(record, null, 2) : formatRelayDetails(record));
  return EXIT.ok;
}

export async function runPrune(
  io: CliIo,
  config: Config,
  olderThanDays: number | undefined,
  now: () => number = Date.now,
): Promise<ExitCode> {
  const days = olderThanDays ?? config.retentionDays;
  if (days === 0 && olderThanDays === undefined) {
    io.out(
      'RETENTION_DAYS is 0 (keep relays forever): nothing pruned. Pass --older-than-days N to prune anyway.',
    );
    return EXIT.ok;
  }
  const cutoff = now() - days * DAY_MS;
  const deleted = await withStore(config, (store) => store.prune(cutoff));
  io.out(
    `Deleted ${deleted} finished relay${deleted === 1 ? '' : 's'} created more than ${days} day${days === 1 ? '' : 's'} ago` +
      ` (relays in work — ${IN_WORK.join(', ')} — are always kept).`,
  );
  return EXIT.ok;
}
