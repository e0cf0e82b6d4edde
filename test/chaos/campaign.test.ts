/**
 * The fixed short chaos run, on one replica (SQLite): one seed in the single-workspace mode, one in
 * install mode (the harness and what it checks: campaign-kit.ts).
 */
import { describe, expect, it } from 'vitest';
import { campaign, expectItRan, violations } from './campaign-kit.js';

describe('a fixed chaos run (sends, revokes, held relays, duplicates and Fxiaoke faults)', () => {
  it.each([
    { seed: 21, install: false, mode: 'single-workspace mode' },
    { seed: 23, install: true, mode: 'install mode, the workspace connected' },
  ])(
    'seed $seed on one replica (SQLite), $mode: every acked request is delivered once or truthfully answered',
    async ({ seed, install }) => {
      const result = await campaign(seed, 30, 'sends', 'sqlite', install);
      expectItRan(result);
      expect(violations(result)).toEqual([]);
    },
    180_000,
  );
});
