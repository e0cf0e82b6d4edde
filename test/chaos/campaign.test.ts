/** The fixed short chaos run, on one replica (SQLite) (the harness and what it checks: campaign-kit.ts). */
import { describe, expect, it } from 'vitest';
import { campaign, expectItRan, violations } from './campaign-kit.js';

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
});
