/**
 * The fixed short chaos run, on one replica (SQLite): one seed in the single-workspace mode, one in
 * install mode, one with RELAY_WORKERS=fork (the harness and what it checks: campaign-kit.ts).
 */
import { describe, expect, it } from 'vitest';
import { campaign, expectItRan, violations } from './campaign-kit.js';

describe('a fixed chaos run (sends, revokes, held relays, duplicates and Fxiaoke faults)', () => {
  it.each([
    { seed: 21, install: false, workers: 'inline' as const, mode: 'single-workspace mode' },
    { seed: 23, install: true, workers: 'inline' as const, mode: 'install mode, the workspace connected' },
    { seed: 25, install: false, workers: 'fork' as const, mode: 'sends and revokes in a forked worker' },
  ])(
    'seed $seed on one replica (SQLite), $mode: every acked request is delivered once or truthfully answered',
    async ({ seed, install, workers }) => {
      const result = await campaign(seed, 30, 'sends', 'sqlite', install, workers);
      expectItRan(result);
      expect(violations(result)).toEqual([]);
    },
    180_000,
  );
});
