import { defineConfig } from 'tsup';

export default defineConfig({
  // The bin is an entry of its own: importing the package runs nothing.
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
