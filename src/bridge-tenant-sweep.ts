/**
 * Install mode's sweep of recorded work nobody is doing (left by a crash, a stop, or a replica
 * that died) and of answers a stopped process owed: at start (after the install app listens, so
 * the buttons in its answers have listeners) and every half lease, like the single-workspace
 * bridge's (bridge-steps.ts openTakeoverSweep). Each relay is claimed on the shared store and
 * carried on by its own workspace's bridge. A relay whose workspace is not connected now
 * (disconnected, uninstalled) is left as it is, recorded, until the workspace connects again.
 */
import type { Wiring } from './bridge-steps.js';
import type { Tenant, Tenants } from './bridge-tenants.js';
import { takeOverOwed } from './relay/owed.js';
import { takeOverAbandoned } from './relay/takeover.js';
import type { RelayRecord } from './relay/types.js';
import type { RelayStore } from './store/interface.js';
import { SweptRelayStore } from './store/tenant-store.js';
import type { Closers } from './util/closers.js';

export async function openTenantSweep(
  { config, logger }: Wiring,
  closers: Closers,
  store: RelayStore,
  tenants: Pick<Tenants, 'connected' | 'inHand' | 'leftBehind'>,
): Promise<void> {
  const legacyStaleMs = config.recoveryStaleAfterSeconds * 1000;
  const sweep = async () => {
    const live = await tenants.connected();
    const first = live.values().next().value;
    if (!first) return;
    const tenantOf = (record: RelayRecord): Tenant | undefined =>
      record.installation === undefined ? undefined : live.get(record.installation);
    // Lease identity and timings are the process's, the same in every workspace's deps.
    const deps = {
      ...first.relay,
      store: new SweptRelayStore(store, (record) => tenantOf(record) !== undefined),
    };
    const taken = await takeOverAbandoned(
      deps,
      {
        legacyStaleMs,
        inHand: (relayId) => tenants.inHand(relayId),
        ownLeftBehind: (relayId) => tenants.leftBehind(relayId),
      },
      (record) => tenantOf(record)?.slack.jobs.takeOver(record),
    );
    if (taken.length > 0) logger.warn({ count: taken.length }, 'took over recorded work nobody was doing');
    await takeOverOwed(deps, (record) => tenantOf(record)?.slack.jobs.tellOwed(record));
  };
  const run = () =>
    sweep().catch((error: unknown) =>
      logger.warn({ err: error }, 'looking for abandoned work failed; will try again'),
    );
  await run();
  const leaseMs = config.work.leaseSeconds * 1000;
  const sweeper = setInterval(() => void run(), Math.max(1_000, leaseMs / 2));
  sweeper.unref();
  closers.add(() => clearInterval(sweeper));
}
