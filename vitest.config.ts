import { defineConfig } from 'vitest/config';

// `npm test` runs the three projects. `unit`: the tests beside the code (pure, no services; also
// `npm run test:unit`). `integration`: test/**, against the real local stack (Kafka + registry),
// which its global setup starts when it is not running and stops again afterwards, even when tests fail.
// `e2e`: whole `tws up` processes whose promises are times a user sees (a restart serves fresh data
// within 15 s, Ctrl-C exits within 10 s): they run after the others, one file at a time, so the
// machine is not saturated by the crash tests' child processes while they are timed.
export default defineConfig({
  test: {
    // test/server: `npm run test:server` (vitest.server.config.ts), containers through Docker.
    exclude: ['test/chaos/**', 'test/server/**', 'node_modules/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'producers/**/*.test.ts', 'consumers/**/*.test.ts', 'api/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/chaos/**', 'test/server/**', 'node_modules/**'],
          globalSetup: ['test/setup/stack.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/stack.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
