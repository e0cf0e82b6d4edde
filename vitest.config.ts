import { defineConfig } from 'vitest/config';

/**
 * Three projects. `npm test` runs `unit` and `suite` together (files in parallel), then `load` alone,
 * so that no other test file competes with it for the machine's cores while it checks Slack's 3 s
 * ack limit under 100 commands/s.
 *
 * - `unit`: tests that run inside the test process (the core, the adapters against real SQLite,
 *   Redis and PostgreSQL, the fuzzers, the CLI). They share one module graph per worker
 *   (`isolate: false`): importing Bolt, pino, zod and the store drivers again for each file was
 *   half of the suite's time. Each file must therefore leave no global state behind (timers,
 *   environment, spies): `restoreMocks` and `unstubEnvs` undo what vi does.
 * - `suite`: every other file — those that start bridge processes, replicas, private Redis or
 *   PostgreSQL servers and the chaos campaign, and any new folder — each file in a fresh process. Their bridge processes run the sources
 *   compiled once by esbuild (test/process-build.ts) instead of compiling them through tsx on every
 *   start.
 */
const UNIT = [
  'test/relay/**/*.test.ts',
  'test/fxiaoke/**/*.test.ts',
  'test/slack/**/*.test.ts',
  'test/util/**/*.test.ts',
  'test/store/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/http/**/*.test.ts',
  'test/redis/**/*.test.ts',
  'test/postgres/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/settings/**/*.test.ts',
  'test/config.test.ts',
  'test/config-access.test.ts',
  'test/deploy.test.ts',
  'test/docs.test.ts',
  'test/env-example.test.ts',
  'test/logger.test.ts',
  'test/manifest.test.ts',
  'test/started-line.test.ts',
];
const LOAD = 'test/load/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    // Vitest's default is one file at a time on a 2-core machine (cores − 1), yet most of the
    // suite's time is spent waiting (bridge processes starting, polls, emulator latency): two
    // files at once take about half the time. No test measures speed, so sharing is safe.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          isolate: false,
          restoreMocks: true,
          unstubEnvs: true,
          unstubGlobals: true,
        },
      },
      {
        extends: true,
        test: {
          name: 'suite',
          // The bridge's sources compiled once for the child processes these files start.
          globalSetup: ['test/process-build.ts'],
          // Everything else, so that a new folder runs isolated until it is shown not to need it.
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, LOAD],
        },
      },
      { extends: true, test: { name: 'load', include: [LOAD] } },
    ],
  },
});
