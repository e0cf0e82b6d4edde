/**
 * "Linear time", counted instead of timed. A ratio of two clock readings fails on a busy machine
 * (8× the input once "took" 25× the time while another process held a core); a count does not.
 * The code checked here is regular expressions plus straight-line string handling, so its work is
 * bounded by two things, and each is checked:
 *
 * 1. **Each search is linear.** Every regular expression the code runs must be linear on any
 *    input, by recheck (a ReDoS checker: automata analysis of backtracking, or for patterns with
 *    lookarounds its fuzzer, with a fixed seed and no time limits so that its answer does not depend
 *    on the machine). Catastrophic backtracking inside one search is caught here.
 * 2. **The searches pass over linearly many characters.** While the code runs,
 *    `RegExp.prototype.exec` is wrapped (replace, test, match and matchAll all search through it)
 *    and each real search is counted: from where it starts (`lastIndex` for /g and /y, else 0) to
 *    where its match ends, or to the end of the input when it finds none. A pattern anchored with
 *    `^` (no /m, no top-level `|`) tries only at its start, and one without `*`, `+` or `{n,}`
 *    reads at most its own length there: such a search counts 1. One read of the input is added
 *    for the rest (trim, split, slice: built-ins linear in what they are given). Code that rescans
 *    what it has already read (quadratic) counts about 64 on 8 times the input; linear code about 8.
 */
import { check, type Diagnostics } from 'recheck';
import { expect } from 'vitest';

export const SIZE_FACTOR = 8;
/** Counts are exact, so linear code lands at about 8; quadratic at 64, n·log n under 10. */
export const MAX_GROWTH = 12;

/** One search the code made, as the wrapped `exec` saw it. */
interface Search {
  pattern: RegExp;
  start: number;
  /** Where the match ended, or undefined when the search found none. */
  matchEnd: number | undefined;
  length: number;
}

/** Runs `work`, returning every search it made through a regular expression. */
export function recordSearches(work: () => void): Search[] {
  const searches: Search[] = [];
  const exec = RegExp.prototype.exec;
  RegExp.prototype.exec = function recordedExec(this: RegExp, input: string) {
    const start = this.global || this.sticky ? this.lastIndex : 0;
    const match = exec.call(this, input);
    const matchEnd = match === null ? undefined : match.index + match[0].length;
    searches.push({ pattern: this, start, matchEnd, length: String(input).length });
    return match;
  };
  try {
    work();
  } finally {
    RegExp.prototype.exec = exec;
  }
  return searches;
}

/** The pattern with escapes and character classes blanked, so only its structure is left. */
const structure = (source: string) => source.replace(/\\./g, '_').replace(/\[(?:\\.|[^\]])*\]/g, '_');

function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  for (const char of structure(source)) {
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) return true;
  }
  return false;
}

/** Characters one search passes over (see the head comment). */
export function searchCost({ pattern, start, matchEnd, length }: Search): number {
  const anchored =
    pattern.source.startsWith('^') && !pattern.multiline && !hasTopLevelAlternation(pattern.source);
  const repeats = /[*+]|\{\d*,\}/.test(structure(pattern.source));
  if (anchored && !repeats) return 1;
  return (matchEnd ?? length) - start + 1;
}

const key = (pattern: RegExp) => `/${pattern.source}/${pattern.flags}`;
const verdicts = new Map<string, Promise<Diagnostics>>();
/** Deterministic: a fixed seed, and no time limit that a slow machine could hit. */
const RECHECK_PARAMS = {
  randomSeed: 20_260_611,
  timeout: null,
  attackTimeout: null,
  incubationTimeout: null,
  seedingTimeout: null,
};

/** Fails unless recheck finds every pattern linear (or better) on any input. */
export async function expectLinearPatterns(patterns: Iterable<RegExp>): Promise<void> {
  const distinct = new Map([...patterns].map((pattern) => [key(pattern), pattern]));
  for (const [name, pattern] of distinct) {
    if (!verdicts.has(name)) verdicts.set(name, check(pattern.source, pattern.flags, RECHECK_PARAMS));
    const verdict = await verdicts.get(name)!;
    const why =
      verdict.status === 'vulnerable'
        ? `${verdict.complexity.summary}, e.g. on ${verdict.attack.pattern}`
        : verdict.status === 'unknown'
          ? `not analysable (${JSON.stringify(verdict.error)})`
          : verdict.complexity.summary;
    expect(verdict.status, `${name}: ${why}`).toBe('safe');
  }
}

/**
 * How the counted work of `work(make(size * SIZE_FACTOR))` compares with `work(make(size))`, after
 * checking that every pattern either run uses is linear on any input.
 */
export async function countedGrowth(
  work: (input: string) => void,
  make: (length: number) => string,
  size: number,
) {
  const smallInput = make(size);
  const largeInput = make(size * SIZE_FACTOR);
  const small = recordSearches(() => work(smallInput));
  const large = recordSearches(() => work(largeInput));
  await expectLinearPatterns([...small, ...large].map((search) => search.pattern));
  // Plus one read of the input: what is not a search (trim, split, slice) is built-ins linear in
  // what they are given, called once per input or once per match.
  const count = (input: string, searches: Search[]) =>
    searches.reduce((sum, search) => sum + searchCost(search), input.length);
  const smallCount = count(smallInput, small);
  const largeCount = count(largeInput, large);
  return { ratio: largeCount / smallCount, smallCount, largeCount, small: size, large: size * SIZE_FACTOR };
}

/**
 * The slowest single call of a property run, printed for the record. Not asserted: on a shared
 * machine one GC pause can exceed any small limit; countedGrowth is the check on work.
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
