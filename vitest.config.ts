import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@hvc/source`
// export condition, so tests never depend on a previous `pnpm build`.
const conditions = ['@hvc/source', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hvc/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CI reads the JSON report to print the one-line summary the landing check expects.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.vitest-report.json' },
  },
});
