/**
 * The suite's child processes run the sources compiled once (test/process-build.ts): this checks
 * that the compiled entry points exist and start, so a broken build cannot silently send every
 * process test back to tsx (or run stale code).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeArgsFor, PROCESS_BUILD_ENV } from '../process-build.js';
import { REPO_ROOT } from './process-helpers.js';

describe('the bridge compiled for the process tests', () => {
  it('is what child processes run, compiled from the current sources', () => {
    const [compiled, ...rest] = nodeArgsFor('src/main.ts');
    expect(rest).toEqual([]);
    expect(compiled?.startsWith(process.env[PROCESS_BUILD_ENV] ?? '<unset>')).toBe(true);
    expect(existsSync(compiled ?? '')).toBe(true);
    // Compiled during this run, after the last edit of the source it came from.
    expect(statSync(compiled ?? '').mtimeMs).toBeGreaterThanOrEqual(
      statSync(`${REPO_ROOT}/src/main.ts`).mtimeMs,
    );
  });

  it('runs: the compiled command line prints its usage', () => {
    const run = spawnSync(process.execPath, [...nodeArgsFor('src/cli.ts'), '--help'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('fx-bridge');
  });
});
