import { defineConfig } from 'vitest/config';

// The bench's own tests (the responder, the statistics, the report), run with `pnpm --filter @hvc/bench test`.
// They are not part of the root `pnpm test`, which covers packages/*; the benchmarks themselves are never tests.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
