import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Every TypeScript file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('the http subpath', () => {
  it('is the only part of the kit that imports undici, and the root never imports it', () => {
    const outside = sources(SRC).filter((file) => !relative(SRC, file).startsWith('http/'));
    const offenders = outside.filter((file) =>
      /from '(undici|\.{1,2}\/(\.\.\/)*http\/[^']*)'/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });
});

describe('the cloud-init subpath', () => {
  it('is the only part of the kit that loads node:crypto, and nothing else imports it', () => {
    const outside = sources(SRC).filter((file) => !relative(SRC, file).startsWith('cloud-init/'));
    const offenders = outside.filter((file) =>
      /from '(node:crypto|\.{1,2}\/(\.\.\/)*cloud-init\/[^']*)'/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });

  it('is exported as ./cloud-init for the source, ESM and CJS builds', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(manifest.exports['./cloud-init']['@hvc/source']).toBe('./src/cloud-init/index.ts');
    expect(Object.keys(manifest.publishConfig.exports['./cloud-init'])).toEqual(['import', 'require']);
    const subpath = await import('@hvc/hypervisor-connector-kit/cloud-init');
    expect(typeof subpath.buildNoCloudSeedImage).toBe('function');
  });
});
