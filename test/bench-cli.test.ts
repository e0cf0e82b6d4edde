/** `npm run bench` with a flag it does not know prints its usage, not a stack trace, and runs nothing. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BenchUsageError, parseOptions } from '../bench/options.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('bench command line', () => {
  it('answers an unknown flag with the usage and exit 2', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--frobnicate'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("bench: Unknown option '--frobnicate'");
    expect(run.stderr).toContain('npm run bench -- [flags]');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('names a bad value or section, with the usage', () => {
    expect(() => parseOptions(['--only', 'acks'])).toThrow(BenchUsageError);
    expect(() => parseOptions(['--only', 'acks'])).toThrow(/--only: unknown section\(s\) acks[\s\S]*--quick/);
    expect(() => parseOptions(['--rates', 'fast'])).toThrow(/--rates takes comma-separated/);
    expect(parseOptions(['--quick', '--save-reference']).saveReference).toBe(true);
    // The routed channel and the department: part of the default run, at 100 and 500 messages/s.
    expect(parseOptions([]).routeRates).toEqual([100, 500]);
    expect([...parseOptions([]).sections]).toEqual(expect.arrayContaining(['routes', 'departments']));
    expect(parseOptions(['--route-rates', '50,100']).routeRates).toEqual([50, 100]);
  });

  it('runs the store section on PostgreSQL too: TEST_POSTGRES_URL or --postgres-url, unless --no-postgres', () => {
    const env = { TEST_POSTGRES_URL: 'postgres://ci@db:5432/postgres' };
    expect(parseOptions([], env)).toMatchObject({
      postgres: true,
      postgresUrl: 'postgres://ci@db:5432/postgres',
    });
    expect(parseOptions(['--postgres-url', 'postgres://x@y/z'], env).postgresUrl).toBe('postgres://x@y/z');
    expect(parseOptions(['--no-postgres'], {})).toMatchObject({
      postgres: false,
      postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    });
  });
});

describe('chaos command line', () => {
  // `npm run chaos` runs outside Vitest: the process and server helpers it shares with the tests
  // must not need Vitest's state (they once called vi.waitFor, which throws there).
  it('runs a short campaign outside any test runner and prints its figures', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/chaos/main.ts', '--seed', '3', '--ops', '3', '--mix', 'sends', '--quiet'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.stderr).not.toMatch(/Vitest failed to access its internal state/);
    expect(run.stdout).toMatch(/chaos · seed 3 · sends mix · sqlite/);
    expect(run.stdout).toMatch(/violations {6}0/);
    expect(run.status).toBe(0);
  }, 150_000);
});
