import { defineConfig } from 'vitest/config';

// `npm test` runs every suite against the real local stack (Kafka + registry), which the global
// setup starts when it is not running and stops again afterwards, even when tests fail.
export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'lib/**/*.test.ts',
      'producers/**/*.test.ts',
      'consumers/**/*.test.ts',
      'api/**/*.test.ts',
    ],
    exclude: ['test/chaos/**', 'node_modules/**'],
    globalSetup: ['test/setup/stack.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
