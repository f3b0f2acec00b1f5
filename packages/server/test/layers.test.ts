import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The server's folders are its layers. This reads every relative import under src/ and checks them against the
// table below: a layer imports only the layers it lists (type-only imports count too), so the folders form no
// cycle. The files at the root of src/ are the entry points (the package and the bin): they may import any
// layer, and no layer imports them.

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** What each folder of src/ may import, from the top layer down. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  bootstrap: [
    'http',
    'rpc',
    'interceptors',
    'authn',
    'authz',
    'wire',
    'connectors',
    'storage',
    'observability',
    'domain',
    'gen',
  ],
  http: [
    'console',
    'rpc',
    'interceptors',
    'authn',
    'authz',
    'connectors',
    'storage',
    'observability',
    'domain',
    'gen',
  ],
  rpc: ['console', 'interceptors', 'authn', 'authz', 'wire', 'connectors', 'storage', 'domain', 'gen'],
  console: ['authz', 'connectors', 'storage', 'domain'],
  interceptors: ['authn', 'authz', 'wire', 'storage', 'observability', 'domain'],
  authn: ['storage', 'domain'],
  authz: ['storage', 'domain'],
  wire: ['domain', 'gen'],
  connectors: ['observability'],
  storage: ['domain'],
  observability: [],
  domain: [],
  gen: [],
};

interface Edge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder of `src/` a file is in, or `undefined` for an entry point at the root of `src/`. */
function layerOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every relative import under `src/` that crosses from one folder into another (or into an entry point). */
function crossingImports(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const from = layerOf(file);
    if (from === undefined) return [];
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(IMPORT)].flatMap((match) => {
      const to = layerOf(resolve(dirname(file), match[1]!)) ?? '(entry point)';
      return to === from ? [] : [{ file: relative(SRC, file), from, to }];
    });
  });
}

/** A cycle in `graph` as its nodes in order, or `undefined` when there is none. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('the layers of src/', () => {
  const edges = crossingImports();

  it('are the folders the table names', () => {
    const folders = new Set(sourceFiles(SRC).flatMap((file) => layerOf(file) ?? []));
    expect([...folders].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('import only the layers the table allows', () => {
    const forbidden = edges
      .filter((edge) => !ALLOWED[edge.from]?.includes(edge.to))
      .map((edge) => `${edge.file}: ${edge.from} → ${edge.to}`);
    expect(forbidden).toEqual([]);
  });

  it('import one another in one direction only', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of edges) graph.set(edge.from, (graph.get(edge.from) ?? new Set()).add(edge.to));
    expect(findCycle(graph)?.join(' → ')).toBeUndefined();
  });

  it('are allowed in one direction only by the table itself', () => {
    const graph = new Map(Object.entries(ALLOWED).map(([layer, allowed]) => [layer, new Set(allowed)]));
    expect(findCycle(graph)?.join(' → ')).toBeUndefined();
  });
});
