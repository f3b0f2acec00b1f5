import { defineConfig } from 'vitest/config';

// The bench's own tests (the responder, the statistics, the report, the child processes, the server's set-up),
// run alone with `pnpm --filter @hvc/bench test`; the root `pnpm test` runs them too (its `bench` project). The
// benchmarks themselves are never tests. Workspace packages resolve to their sources, as in the root config.
const conditions = ['@hvc/source', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hvc/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
