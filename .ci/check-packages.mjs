// Packs each publishable package and loads every entry point from a scratch project outside the workspace,
// with both `import` and `require`: proves the exports maps, the ESM + CJS builds and the packed file lists.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = ['hypervisor-connector', 'hypervisor-connector-proxmox', 'hypervisor-resolver'];
// Entry points that need an optional peer (vitest, msw) to load are checked for presence only.
const needsPeer = new Set(['./conformance', './testing']);

const scratch = mkdtempSync(join(tmpdir(), 'hvc-packages-'));
try {
  const entries = [];
  for (const dir of packages) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    execFileSync('pnpm', ['pack', '--pack-destination', scratch], {
      cwd: join(root, 'packages', dir),
      stdio: 'ignore',
    });
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath === './package.json') continue;
      entries.push({ name: manifest.name, subpath });
    }
  }
  const tarballs = readdirSync(scratch).filter((f) => f.endsWith('.tgz'));
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => `./${t}`)],
    {
      cwd: scratch,
      stdio: 'inherit',
    },
  );
  let failures = 0;
  for (const { name, subpath } of entries) {
    const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
    const resolveOnly = needsPeer.has(subpath);
    const esm = resolveOnly
      ? `import.meta.resolve(${JSON.stringify(specifier)})`
      : `Object.keys(await import(${JSON.stringify(specifier)})).length`;
    const cjs = resolveOnly
      ? `require.resolve(${JSON.stringify(specifier)})`
      : `Object.keys(require(${JSON.stringify(specifier)})).length`;
    for (const [kind, args] of [
      ['import', ['--input-type=module', '-e', `console.log(${esm})`]],
      ['require', ['-e', `console.log(${cjs})`]],
    ]) {
      try {
        const out = execFileSync('node', args, { cwd: scratch, encoding: 'utf8' }).trim();
        console.log(`ok   ${kind.padEnd(7)} ${specifier} -> ${resolveOnly ? 'resolves' : `${out} exports`}`);
      } catch (error) {
        failures++;
        console.error(`FAIL ${kind.padEnd(7)} ${specifier}: ${error.message}`);
      }
    }
  }
  if (failures > 0) process.exit(1);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
