/**
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
function fixedDefect(name: ScenarioName, defect: string): void {
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

// Issue 17 #1, "Queued is not dispatched".
fixedDefect('queued-kill', 'kill -9 while relays wait for the rate budget');
// Issue 17 #2, "The latest edit wins".
fixedDefect('late-edit', 'an edit delivered late overwrites a newer one');
// Issue 17 #3, "Edits are coalesced" (a busy relay answers HTTP 500).
fixedDefect('edit-burst', 'a burst of edits finds the relay busy');
// Issue 17 #4, "A failure is heard after the response_url is gone".
fixedDefect('expired-response-url', 'a failure after the response_url expired is silent');
// Issue 17 #5, "A lost revoke answer stays uncertain until it is settled".
fixedDefect('lost-revoke-answer', 'a revoke whose answer was lost is shown as Sent');
// The update variant of issue 17 #5: the old copy's revoke answer lost, then "already revoked".
fixedDefect('lost-update-revoke-answer', 'an update whose revoke answer was lost says the old copy stays');
// An update whose new text Fxiaoke refused was answered "✅ Updated in Fxiaoke".
fixedDefect('update-not-delivered', 'an update whose new text was not delivered is called updated');
