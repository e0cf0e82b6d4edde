import { defineConfig } from 'vitest/config';

/**
 * Two projects, run one after the other by `npm test`: the suite (files in parallel), then the load
 * test alone, so that no other test file competes with it for the machine's cores while it checks
 * Slack's 3 s ack limit under 100 commands/s.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files start real HTTP servers and SQLite files; isolate them per file.
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/load/**'],
          // Vitest's default is one file at a time on a 2-core machine (cores − 1), yet most of the
          // suite's time is spent waiting (bridge processes starting, polls, emulator latency): two
          // files at once take about half the time. No test measures speed, so sharing is safe.
          maxWorkers: 2,
        },
      },
      { extends: true, test: { name: 'load', include: ['test/load/**/*.test.ts'] } },
    ],
  },
});
