import { defineConfig } from 'vitest/config';

/**
 * Two projects, run one after the other by `npm test`: the suite (files in parallel), then the load
 * test alone, so that no other test file competes with it for the machine's cores while it checks
 * Slack's 3 s ack limit under 200 commands/s.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files start real HTTP servers and SQLite files; isolate them per file.
    pool: 'forks',
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/load/**'] } },
      { extends: true, test: { name: 'load', include: ['test/load/**/*.test.ts'] } },
    ],
  },
});
