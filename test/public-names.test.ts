import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * One public name, one meaning: a name exported by two packages' entries must be the same declaration re-exported
 * (as `@hvc/client` re-exports the contract's types), never two different things a user would have to alias.
 */
const root = join(import.meta.dirname, '..');
/** The API's generated messages, a namespace of their own by design (`wire.Guest` is not the library's `Guest`). */
const WIRE_ENTRIES = new Set(['@hvc/client/v1']);

interface Entry {
  readonly packageName: string;
  readonly file: string;
}

/** Every `exports` entry of every package whose source is a TypeScript file (the `@hvc/source` condition). */
function entries(): Entry[] {
  return readdirSync(join(root, 'packages')).flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
      exports?: Record<string, { '@hvc/source'?: string } | string>;
    };
    return Object.entries(manifest.exports ?? {}).flatMap(([subpath, target]) => {
      const source = typeof target === 'object' ? target['@hvc/source'] : undefined;
      const entry = join(manifest.name, subpath);
      if (!source?.endsWith('.ts') || WIRE_ENTRIES.has(entry)) return [];
      return [{ packageName: manifest.name, file: join(root, 'packages', dir, source) }];
    });
  });
}

describe('the public names', () => {
  it('gives each exported name one declaration across the packages', () => {
    const all = entries();
    const program = ts.createProgram(
      all.map((e) => e.file),
      {
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        customConditions: ['@hvc/source'],
        target: ts.ScriptTarget.ES2023,
        allowImportingTsExtensions: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
    );
    const checker = program.getTypeChecker();
    const declarations = new Map<string, Map<ts.Declaration, Set<string>>>();
    for (const { packageName, file } of all) {
      const source = program.getSourceFile(file);
      const module = source && checker.getSymbolAtLocation(source);
      if (!module) throw new Error(`no module for ${file}`);
      for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const declaration = symbol.declarations?.[0];
        if (!declaration) continue;
        const byDeclaration = declarations.get(exported.name) ?? new Map<ts.Declaration, Set<string>>();
        declarations.set(exported.name, byDeclaration);
        const owners = byDeclaration.get(declaration) ?? new Set<string>();
        byDeclaration.set(declaration, owners);
        owners.add(packageName);
      }
    }
    const collisions = [...declarations]
      .filter(([, byDeclaration]) => byDeclaration.size > 1)
      .map(
        ([name, byDeclaration]) =>
          `${name}: ${[...byDeclaration.values()].map((o) => [...o].join('+')).join(' vs ')}`,
      );
    expect(collisions).toEqual([]);
  });
});
