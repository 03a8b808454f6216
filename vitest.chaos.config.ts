import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/** Scenario files run one at a time, in the order of their number (test/chaos/1-*.test.ts first). */
class ByNameSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

// `npm run test:chaos`: the reliability and security suite (docs/reliability.md). Profiles:
// TWS_CHAOS_PROFILE=full (default; CI) or short. It needs the local stack (started by the global
// setup when not running, as for `npm test`); the broker-restart scenario starts a private broker
// of its own. Results go to test-artifacts/chaos-results.json; `npx tsx test/chaos/report.ts`
// renders docs/reliability.md from them.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/setup/stack.ts', 'test/chaos/setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { sequencer: ByNameSequencer },
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    teardownTimeout: 120_000,
    reporters: ['default'],
  },
});
