/**
 * One chaos campaign: plan from the seed, start the world, run the plan, let everything settle
 * (the store back, every replica up, faults cleared, no work left and nothing new said for a
 * moment), read the store, and check the history. Used by `npm run chaos` and by test/chaos.
 */
import { IN_WORK } from '../../src/relay/lifecycle.js';
import type { RelayRecord } from '../../src/relay/types.js';
import type { RelayStore } from '../../src/store/interface.js';
import { Driver } from './driver.js';
import { collectFacts } from './facts.js';
import type { History, Violation } from './history.js';
import {
  initialSync,
  MIXES,
  type MixName,
  type OpKind,
  type PlannedOp,
  planOps,
  type SyncMode,
} from './plan.js';
import { check } from './rules.js';
import { type BackendKind, type Replica, World } from './world.js';

export interface CampaignOptions {
  seed: number;
  ops: number;
  mix: MixName;
  backend: BackendKind;
  /** Every replica's Fxiaoke budget; default a tight one (4 calls per 2 s), so bursts queue. */
  rateBudget?: { calls: number; windowMs: number };
  /** Run only these operations of the plan (a replay of a violation's history). */
  only?: readonly number[];
  /** A plan written by hand (a scenario) instead of one drawn from the seed. */
  plan?: PlannedOp[];
  /** The replicas' first sync settings; default drawn from the seed. */
  sync?: { edits: SyncMode; deletes: SyncMode };
  /** How long a response_url works (default Slack's 30 minutes). */
  responseUrlTtlMs?: number;
  /** How long everything may take to settle before the checker reads what is left (default 120 s). */
  settleTimeoutMs?: number;
  /** Install mode: the requests' workspace installed and connected to the emulator's tenant. */
  install?: boolean;
  /** RELAY_WORKERS of the replicas: `fork` carries sends and revokes out in each one's forked worker. */
  workers?: 'inline' | 'fork';
  log?: (line: string) => void;
}

export interface CampaignStats {
  operations: number;
  byKind: Partial<Record<OpKind, number>>;
  skipped: number;
  /** Fxiaoke faults, kills and store outages injected. */
  faults: number;
  /** Fxiaoke calls that met an injected fault. */
  faultsMet: number;
  kills: number;
  storeOutages: number;
  deliveries: number;
  acked: number;
  /** Acks that took Slack's 3 s or more (a timeout the user sees); a figure, not a violation: it measures the machine too. */
  slowAcks: number;
  statements: number;
  fxCalls: number;
  fxMessages: number;
  relays: number;
  /** Whether the run settled before its deadline (else what was left is reported as violations). */
  settled: boolean;
  runMs: number;
  settleMs: number;
}

export interface CampaignResult {
  options: CampaignOptions;
  plan: PlannedOp[];
  history: History;
  violations: Violation[];
  unclassified: Array<{ via: string; text: string }>;
  stats: CampaignStats;
  /** The replicas' last output, for a run that went wrong. */
  outputs: string;
}

export const TIGHT_BUDGET = { calls: 4, windowMs: 2_000 } as const;

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? (() => {});
  const world = await World.start({
    backend: options.backend,
    rateBudget: options.rateBudget ?? TIGHT_BUDGET,
    sync: options.sync ?? initialSync(options.seed),
    responseUrlTtlMs: options.responseUrlTtlMs ?? 30 * 60_000,
    ...(options.install ? { install: true } : {}),
    ...(options.workers === 'fork' ? { extraEnv: { RELAY_WORKERS: 'fork' } } : {}),
  });
  try {
    const full =
      options.plan ??
      planOps({
        seed: options.seed,
        count: options.ops,
        mix: MIXES[options.mix],
        replicas: world.replicas.length,
        storeOutages: world.backend.outages,
      });
    const only = options.only ? new Set(options.only) : undefined;
    const plan = only ? full.filter((planned) => only.has(planned.index)) : full;
    const driver = new Driver(world, options.seed, log);
    const started = Date.now();
    log(`seed ${options.seed}: ${plan.length} operations (${options.mix} mix, ${options.backend})`);
    await driver.run(plan);
    await driver.drain();
    const endedAt = Date.now();
    log('settling…');
    const store = await settle(world, options.settleTimeoutMs ?? 120_000, log);
    const settledAt = Date.now();
    const relays = await allRelays(store.store);
    await store.store.close();
    const facts = collectFacts({
      seed: options.seed,
      plan,
      ops: driver.ops,
      deliveries: driver.deliveries,
      slack: world.slack,
      emulator: world.emulator,
      relays,
      endedAt,
      settledAt,
    });
    const violations = check(facts.history);
    const history = facts.history;
    const count = (kind: OpKind) => plan.filter((planned) => planned.op.kind === kind).length;
    const byKind: Partial<Record<OpKind, number>> = {};
    for (const planned of plan) byKind[planned.op.kind] = (byKind[planned.op.kind] ?? 0) + 1;
    return {
      options,
      plan,
      history,
      violations,
      unclassified: facts.unclassified,
      outputs: world.outputs(),
      stats: {
        operations: plan.length,
        byKind,
        skipped: driver.ops.filter((op) => op.skipped).length,
        faults: count('fault') + count('kill') + count('store-down'),
        faultsMet: history.fxRequests.filter((request) => request.fault !== undefined).length,
        kills: count('kill'),
        storeOutages: count('store-down'),
        deliveries: history.deliveries.length,
        acked: history.deliveries.filter((delivery) => delivery.status === 200).length,
        slowAcks: history.deliveries.filter(
          (delivery) => delivery.status !== undefined && delivery.answeredAt - delivery.sentAt >= 3_000,
        ).length,
        statements: history.statements.length,
        fxCalls: history.fxRequests.length,
        fxMessages: history.fxMessages.length,
        relays: relays.length,
        settled: store.settled,
        runMs: endedAt - started,
        settleMs: settledAt - endedAt,
      },
    };
  } finally {
    await world.stop();
  }
}

async function allRelays(store: RelayStore): Promise<RelayRecord[]> {
  return store.listRecent(1_000_000);
}

async function queueDepth(replica: Replica): Promise<number> {
  try {
    const text = await (
      await fetch(`${replica.baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
    ).text();
    const line = text.split('\n').find((entry) => entry.startsWith('fxbridge_queue_depth'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  } catch {
    return Number.NaN;
  }
}

/**
 * Brings everything back (the store, every replica) and waits until no relay is
 * in work, no replica has work queued, and nothing new reached Slack or Fxiaoke for a few polls.
 * Past the deadline it stops waiting: what is left is for the checker to report.
 */
async function settle(
  world: World,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<{ store: RelayStore; settled: boolean }> {
  // Faults still queued stay: each meets one more call (they are single-use), as planned.
  await world.storeBack();
  for (const replica of world.replicas) await world.startReplica(replica);
  const store = await world.backend.open();
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let last = '';
  while (Date.now() < deadline) {
    // Every status with work (lifecycle.ts), as the checker's working-state rule counts them: a
    // change of a Slack message still waiting for its quiet time (`changed`) is work to wait for.
    const inWork = await store.listByStatus(IN_WORK, 1000).catch(() => undefined);
    const depths = await Promise.all(world.replicas.map(queueDepth));
    const activity = `${world.slack.calls.length}/${world.slack.responses.length}/${world.emulator.requests.length}`;
    const idle = inWork !== undefined && inWork.length === 0 && depths.every((depth) => depth === 0);
    quiet = idle && activity === last ? quiet + 1 : 0;
    last = activity;
    if (quiet >= 4) return { store, settled: true };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  log(`did not settle within ${timeoutMs} ms`);
  return { store, settled: false };
}
