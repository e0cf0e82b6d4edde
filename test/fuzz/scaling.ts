/**
 * "Bounded time" without a clock limit: how much longer a function takes on an input 8 times as
 * long, both measured in the same run (best of several, after a warm-up, so a GC pause or a busy
 * neighbour does not decide). Linear work gives about 8; quadratic work 64; a backtracking regex
 * far more. An absolute limit in milliseconds would depend on the machine; a ratio does not.
 */
import { expect } from 'vitest';

export const SIZE_FACTOR = 8;
/** Linear plus generous room for noise and caches, well under quadratic (64). */
export const MAX_GROWTH = 24;

function bestOf(runs: number, work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * Time on `make(SIZE_FACTOR * size)` over time on `make(size)`. Sizes where the small input takes
 * under 0.2 ms are grown first, so timer resolution does not make the ratio.
 */
export function growthRatio(work: (input: string) => void, make: (length: number) => string, size: number) {
  let small = size;
  while (bestOf(3, () => work(make(small))) < 0.2 && small < size * 64) small *= 2;
  const smallInput = make(small);
  const largeInput = make(small * SIZE_FACTOR);
  work(largeInput); // warm-up
  const smallMs = bestOf(5, () => work(smallInput));
  const largeMs = bestOf(5, () => work(largeInput));
  return { ratio: largeMs / smallMs, smallMs, largeMs, small, large: small * SIZE_FACTOR };
}

/**
 * The slowest single call of a property run, printed for the record. Not asserted: on a shared
 * machine one GC pause can exceed any small limit; growthRatio is the check on time.
 */
export function reportWorst(worst: { ms: number }): void {
  const test = expect.getState().currentTestName ?? 'property run';
  console.log(`${test}: slowest call ${worst.ms.toFixed(2)} ms`);
}

/** Runs one call, keeping the slowest time seen in `worst`. */
export function timed<T>(run: () => T, worst: { ms: number }): T {
  const started = performance.now();
  const result = run();
  worst.ms = Math.max(worst.ms, performance.now() - started);
  return result;
}
