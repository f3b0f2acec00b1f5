import { defineConfig } from 'vitest/config';

// The bench's own tests (the responder, the statistics, the report, the server's set-up), run with
// `pnpm --filter @hvc/bench test`. They are not part of the root `pnpm test`, which covers packages/*; the
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
