import { defineConfig } from 'vitest/config';

/**
 * Two projects: `default` (what `npm test` runs, under a minute on a 2-core machine) and `slow`
 * (thread, fault, large-file and real-browser tests, in files named `*.slow.test.ts`; `npm run
 * test:slow`, which CI runs too). No test depends on timing: the timeouts only stop a hung test.
 */
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    // Both cores (vitest leaves one free by default).
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'], exclude: ['test/**/*.slow.test.ts'] } },
      { extends: true, test: { name: 'slow', include: ['test/**/*.slow.test.ts'] } },
    ],
  },
});
