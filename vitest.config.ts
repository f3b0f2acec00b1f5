import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@hvc/source`
// export condition, so tests never depend on a previous `pnpm build`.
const conditions = ['@hvc/source', 'node'];
// Tests on the libvirt lab: the connector's own, and the server's with a libvirt target.
const libvirtTests = [
  'packages/hypervisor-connector-libvirt/test/**/*.test.ts',
  'packages/server/test/libvirt/**/*.test.ts',
];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hvc/source'] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CI reads the JSON report to print the one-line summary the landing check expects.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.vitest-report.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'workspace',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...libvirtTests],
        },
      },
      {
        // The bench's own tests (its responder, statistics, report, child processes and the server's set-up), so
        // that the code behind the published figures is checked on every landing; the benchmarks are never tests.
        extends: true,
        // They start real processes (responder, server, clients), slower when the other projects load the machine.
        test: {
          name: 'bench',
          include: ['bench/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The libvirt package's tests share one lab (real libvirtd daemons, real QEMU guests), started by the
        // globalSetup only when this project has files to run; guests boot in seconds, hence the longer bounds.
        extends: true,
        test: {
          name: 'libvirt',
          include: libvirtTests,
          globalSetup: ['packages/hypervisor-connector-libvirt/test/lab/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
