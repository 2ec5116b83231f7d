import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (core, app, engines, CLI against the built binary), `labs` (every lab on real local Spark:
 * slow, so one file, one lab after another on this 2-core machine) and `sandbox` (the EMR sandbox through the CLI).
 * `npm test` runs them through scripts/test-suites.mjs: the sandbox suite in the background, unit then labs.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}', 'test/cli/**/*.test.ts', 'test/flows/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          setupFiles: ['test/setup/terminal-not-ci.ts'],
        },
      },
      {
        test: {
          name: 'labs',
          // A timing check measures medians inside the job with a margin, but this machine is shared: one retry keeps
          // a neighbour's load spike from failing a lab; a lab that fails twice is reported.
          retry: 1,
          include: ['test/labs/**/*.test.ts'],
          testTimeout: 20 * 60_000,
          hookTimeout: 20 * 60_000,
        },
      },
      {
        // The EMR sandbox (docs/sandbox.md): one sandbox for the whole project, in one file, labs one after another.
        test: {
          name: 'sandbox',
          include: ['test/sandbox/**/*.test.ts'],
          testTimeout: 30 * 60_000,
          hookTimeout: 20 * 60_000,
        },
      },
    ],
  },
});
