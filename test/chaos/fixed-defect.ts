/**
 * The harness of test/chaos/regressions-*.test.ts, split in three files so they run in parallel.
 * Defects the chaos campaign found, each as its scenario (bench/chaos/scenarios.ts): the shortest
 * plan that showed it, run against the real bridge. Each was an `it.fails` while the defect was
 * there (the checker found it); since its fix, the scenario keeps it fixed.
 *
 * The scenario runs in `beforeAll`, so a run that breaks for another reason (a bridge that does not
 * start) fails the file instead of passing as "still failing".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatViolation } from '../../bench/chaos/report.js';
import { type CampaignResult, runCampaign } from '../../bench/chaos/run.js';
import { SCENARIOS, type ScenarioName, scenarioPlan } from '../../bench/chaos/scenarios.js';

async function scenario(name: ScenarioName): Promise<CampaignResult> {
  const chosen = SCENARIOS[name];
  return runCampaign({
    seed: 1,
    ops: chosen.ops.length,
    mix: 'full',
    ...chosen.options,
    plan: scenarioPlan(chosen),
    settleTimeoutMs: 60_000,
  });
}

function violations(name: ScenarioName, result: CampaignResult): string[] {
  return result.violations.map((violation) =>
    formatViolation(result.history, violation, `npm run chaos -- --scenario ${name}`),
  );
}

/** One scenario: it ran to the end, and the checker finds no violation in its history. */
export function fixedDefect(name: ScenarioName, defect: string): void {
  describe(`${name}: ${defect}`, () => {
    let result: CampaignResult;
    beforeAll(async () => {
      result = await scenario(name);
    }, 180_000);

    it('runs every operation of the scenario and settles', () => {
      expect(result.stats.settled).toBe(true);
      expect(result.history.ops.filter((op) => op.skipped)).toEqual([]);
      expect(result.stats.acked).toBeGreaterThan(0);
    });

    it('leaves no violation', () => {
      expect(violations(name, result)).toEqual([]);
    });
  });
}
