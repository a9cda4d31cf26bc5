import { defineConfig } from 'vitest/config';

/**
 * Three projects. `npm test` runs `default` and `isolated`, under a minute on a 2-core machine:
 * `default` shares one module graph per worker across its files (`isolate: false`: loading the
 * library once per worker, not once per file, halves the suite's CPU), so its files must not replace
 * modules; the few that do (`vi.mock`) are named `*.isolated.test.ts` and get a fresh graph each.
 * `slow` (`npm run test:slow`, which CI runs too): thread, fault, large-file, real-data, Python-
 * reference and real-browser tests, in files named `*.slow.test.ts`. No test depends on timing: the
 * timeouts only stop a hung test.
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
      { extends: true, test: { name: 'default', isolate: false, include: ['test/**/*.test.ts'], exclude: ['test/**/*.slow.test.ts', 'test/**/*.isolated.test.ts'] } },
      { extends: true, test: { name: 'isolated', include: ['test/**/*.isolated.test.ts'] } },
      { extends: true, test: { name: 'slow', include: ['test/**/*.slow.test.ts'] } },
    ],
  },
});
