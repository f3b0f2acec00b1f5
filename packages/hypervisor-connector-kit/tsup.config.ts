import { defineConfig } from 'tsup';

export default defineConfig({
  // The HTTP pieces are an entry of their own, so that the root never loads undici.
  entry: { index: 'src/index.ts', 'http/index': 'src/http/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
