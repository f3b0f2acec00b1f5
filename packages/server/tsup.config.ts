import { defineConfig } from 'tsup';

export default defineConfig({
  // `cli` is the `hvc-server` bin; Node ignores its shebang where the library entry carries one too.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  // Chunks keep the bin's dynamic import of the demo lazy in the ESM build.
  splitting: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
