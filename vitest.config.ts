import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files start real HTTP servers and SQLite files; isolate them per file.
    pool: 'forks',
    reporters: ['default'],
  },
});
