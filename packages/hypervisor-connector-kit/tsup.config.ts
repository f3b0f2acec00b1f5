import { defineConfig } from 'tsup';

export default defineConfig({
  // The HTTP, cloud-init and console pieces are entries of their own, so that the root never loads undici or node:crypto.
  entry: {
    index: 'src/index.ts',
    'http/index': 'src/http/index.ts',
    'cloud-init/index': 'src/cloud-init/index.ts',
    'console/index': 'src/console/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
