/**
 * The harness of the fixed short chaos run (campaign.test.ts on SQLite, campaign-replicas.test.ts on
 * Redis, two files so they run in parallel): a few seeds of `npm run chaos` (bench/chaos), each a real bridge
 * process (two on Redis) against the Fxiaoke emulator and the fake Slack, with Fxiaoke's faults,
 * duplicate deliveries, held relays and revokes mixed in; the checker must find nothing. The
 * scenarios of the defects it found run in regressions-*.test.ts.
 *
 * Nothing here depends on the machine's speed: a slow machine changes which operations find
 * something to act on, never what counts as true; the run settles by polling (bench/chaos/run.ts).
 */
import { expect } from 'vitest';
import type { MixName } from '../../bench/chaos/plan.js';
import { formatViolation } from '../../bench/chaos/report.js';
import { type CampaignResult, runCampaign } from '../../bench/chaos/run.js';
import type { BackendKind } from '../../bench/chaos/world.js';

export async function campaign(
  seed: number,
  ops: number,
  mix: MixName,
  backend: BackendKind,
  /** Install mode: the same requests through the install app, to the workspace's own bridge. */
  install = false,
  /** RELAY_WORKERS: `fork` carries sends and revokes out in each replica's forked worker. */
  workers: 'inline' | 'fork' = 'inline',
): Promise<CampaignResult> {
  return runCampaign({
    seed,
    ops,
    mix,
    backend,
    settleTimeoutMs: 60_000,
    ...(install ? { install } : {}),
    ...(workers === 'fork' ? { workers } : {}),
  });
}

/** The violations as the CLI prints them, so a failure shows the history to replay. */
export function violations(result: CampaignResult): string[] {
  const { seed, ops, mix, backend, install, workers } = result.options;
  const replay = `npm run chaos -- --seed ${seed} --ops ${ops} --mix ${mix} --store ${backend}${install ? ' --install' : ''}${workers === 'fork' ? ' --workers fork' : ''}`;
  return result.violations.map((violation) => formatViolation(result.history, violation, replay));
}

/** The run did what it was planned to do: Slack was answered and Fxiaoke received messages. */
export function expectItRan(result: CampaignResult): void {
  expect(result.stats.settled).toBe(true);
  expect(result.stats.acked).toBeGreaterThanOrEqual(10);
  expect(result.stats.fxMessages).toBeGreaterThan(0);
  expect(result.stats.faultsMet).toBeGreaterThan(0);
}
