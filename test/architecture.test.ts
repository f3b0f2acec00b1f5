import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The package layout as DESIGN.md draws it: dependencies point one way, the spec depends on zod only, no connector
 * imports another, no library imports a test package, and every workspace import a package's sources make is one
 * of its declared dependencies.
 */
const root = join(import.meta.dirname, '..');
const CONNECTORS = ['memory', 'proxmox', 'libvirt'].map((kind) => `@hvc/hypervisor-connector-${kind}`);
const TEST_PACKAGES = ['@hvc/pve-fake', '@hvc/hypervisor-connector-conformance'];
/** Where a test package may be a runtime dependency: the server's demo starts the PVE fake. */
const TEST_PACKAGE_USERS: Readonly<Record<string, readonly string[]>> = { '@hvc/server': ['@hvc/pve-fake'] };

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const packages = readdirSync(join(root, 'packages')).map((dir) => ({
  dir: join(root, 'packages', dir),
  manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
}));
const runtime = (m: Manifest) => Object.keys({ ...m.dependencies, ...m.peerDependencies });
const workspace = (names: readonly string[]) => names.filter((n) => n.startsWith('@hvc/'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

/** The `@hvc/*` packages a package's `src/` imports (statically or with `import()`). */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(dir, 'src'))) {
    // Code lines only: examples in TSDoc comments name packages a file does not import.
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\*|\/\/)/.test(line))
      .join('\n');
    for (const match of text.matchAll(/(?:from\s+|import\()\s*'(@hvc\/[a-z0-9-]+)/g)) found.add(match[1]!);
  }
  return found;
}

describe('the package layout', () => {
  it('has no cycle among the packages’ runtime dependencies', () => {
    const graph = new Map(packages.map(({ manifest }) => [manifest.name, workspace(runtime(manifest))]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (name: string, path: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(name)), name].join(' → '));
        return;
      }
      state.set(name, 'visiting');
      for (const next of graph.get(name) ?? []) visit(next, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of graph.keys()) visit(name, []);
    expect(cycles).toEqual([]);
  });

  it('imports from src/ only what package.json declares as a runtime dependency', () => {
    const undeclared = packages.flatMap(({ dir, manifest }) =>
      [...importedPackages(dir)]
        .filter((name) => name !== manifest.name && !runtime(manifest).includes(name))
        .map((name) => `${manifest.name} imports ${name}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('keeps the spec free of everything but zod', () => {
    const spec = packages.find(({ manifest }) => manifest.name === '@hvc/hypervisor-connector')!;
    expect(runtime(spec.manifest)).toEqual(['zod']);
  });

  it('never lets a connector depend on another connector', () => {
    const crossings = packages
      .filter(({ manifest }) => CONNECTORS.includes(manifest.name))
      .flatMap(({ manifest }) =>
        runtime(manifest)
          .filter((name) => CONNECTORS.includes(name))
          .map((name) => `${manifest.name} → ${name}`),
      );
    expect(crossings).toEqual([]);
  });

  it('never lets a library depend on a test package', () => {
    const uses = packages.flatMap(({ manifest }) =>
      runtime(manifest)
        .filter((name) => TEST_PACKAGES.includes(name) && !TEST_PACKAGE_USERS[manifest.name]?.includes(name))
        .map((name) => `${manifest.name} → ${name}`),
    );
    expect(uses).toEqual([]);
  });
});
