/**
 * The fixed short chaos run: a few seeds of `npm run chaos` (bench/chaos), each a real bridge
 * process (two on Redis) against the Fxiaoke emulator and the fake Slack, with Fxiaoke's faults,
 * duplicate deliveries, held relays and revokes mixed in; the checker must find nothing. The
 * scenarios of the defects it found run in regressions.test.ts.
 *
 * Nothing here depends on the machine's speed: a slow machine changes which operations find
 * something to act on, never what counts as true; the run settles by polling (bench/chaos/run.ts).
 */
import { describe, expect, it } from 'vitest';
import type { MixName } from '../../bench/chaos/plan.js';
import { formatViolation } from '../../bench/chaos/report.js';
import { type CampaignResult, runCampaign } from '../../bench/chaos/run.js';
import type { BackendKind } from '../../bench/chaos/world.js';
import { redisServerAvailable } from '../redis-server.js';

const withRedis = redisServerAvailable('chaos campaign on two replicas');

async function campaign(
  seed: number,
  ops: number,
  mix: MixName,
  backend: BackendKind,
): Promise<CampaignResult> {
  return runCampaign({ seed, ops, mix, backend, settleTimeoutMs: 60_000 });
}

/** The violations as the CLI prints them, so a failure shows the history to replay. */
function violations(result: CampaignResult): string[] {
  const { seed, ops, mix, backend } = result.options;
  const replay = `npm run chaos -- --seed ${seed} --ops ${ops} --mix ${mix} --store ${backend}`;
  return result.violations.map((violation) => formatViolation(result.history, violation, replay));
}

/** The run did what it was planned to do: Slack was answered and Fxiaoke received messages. */
function expectItRan(result: CampaignResult): void {
  expect(result.stats.settled).toBe(true);
  expect(result.stats.acked).toBeGreaterThanOrEqual(10);
  expect(result.stats.fxMessages).toBeGreaterThan(0);
  expect(result.stats.faultsMet).toBeGreaterThan(0);
}

describe('a fixed chaos run (sends, revokes, held relays, duplicates and Fxiaoke faults)', () => {
  it.each([21, 23])(
    'seed %i on one replica (SQLite): every acked request is delivered once or truthfully answered',
    async (seed) => {
      const result = await campaign(seed, 30, 'sends', 'sqlite');
      expectItRan(result);
      expect(violations(result)).toEqual([]);
    },
    180_000,
  );

  it.skipIf(!withRedis)(
    'seed 32 on two replicas (a private Redis): the same, across replicas',
    async () => {
      const result = await campaign(32, 30, 'sends', 'redis');
      expectItRan(result);
      expect(violations(result)).toEqual([]);
    },
    180_000,
  );
});
