import { defineConfig } from 'vitest/config';

// `npm test` runs both projects. `unit`: the tests beside the code (pure, no services; also
// `npm run test:unit`). `integration`: test/**, against the real local stack (Kafka + registry),
// which its global setup starts when it is not running and stops again afterwards, even when tests fail.
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
        test: { name: 'integration', include: ['test/**/*.test.ts'], globalSetup: ['test/setup/stack.ts'] },
      },
    ],
  },
});
