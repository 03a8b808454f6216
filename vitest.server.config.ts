import { defineConfig } from 'vitest/config';

// `npm run test:server`: the server-mode suite (test/server/), the roles as processes against a
// ClickHouse server, Kafka and a registry in containers (testcontainers). Without a Docker engine its
// global setup prints one line and every test skips. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/server/**/*.test.ts'],
    globalSetup: ['test/server/setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    // The first run pulls the images.
    hookTimeout: 15 * 60_000,
    teardownTimeout: 120_000,
    reporters: ['default'],
  },
});
