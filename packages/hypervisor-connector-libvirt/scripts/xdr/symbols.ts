import type { HeaderConstant } from '../libvirt-header-constants.js';
import type { XdrDefinition, XdrValue } from './ast.js';

/** Where a name is defined: a `.x` definition or enum member in a generated module, or a C header constant. */
export type XdrSymbol =
  | { readonly kind: 'definition'; readonly module: string; readonly definition: XdrDefinition }
  | { readonly kind: 'header'; readonly module: string; readonly constant: HeaderConstant }
  | { readonly kind: 'enum-member'; readonly module: string; readonly value: number };

/** The TypeScript name of an XDR type: `remote_nonnull_domain` → `RemoteNonnullDomain`. */
export function pascalName(name: string): string {
  return name
    .split('_')
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** Every name of every protocol file, with checks that names are unique in XDR and in TypeScript. */
export class SymbolTable {
  readonly #symbols = new Map<string, XdrSymbol>();
  readonly #typeNames = new Map<string, string>();

  add(name: string, symbol: XdrSymbol): void {
    if (this.#symbols.has(name)) throw new Error(`${name} is defined twice`);
    this.#symbols.set(name, symbol);
    if (symbol.kind === 'definition' && symbol.definition.kind !== 'const') {
      const typeName = pascalName(name);
      const other = this.#typeNames.get(typeName);
      if (other !== undefined) throw new Error(`${name} and ${other} both become ${typeName}`);
      this.#typeNames.set(typeName, name);
    }
    if (symbol.kind === 'definition' && symbol.definition.kind === 'enum') {
      for (const member of symbol.definition.members) {
        this.add(member.name, {
          kind: 'enum-member',
          module: symbol.module,
          value: this.resolve(member.value),
        });
      }
    }
  }

  /** The symbol called `name`; throws for an undefined name. */
  get(name: string): XdrSymbol {
    const symbol = this.#symbols.get(name);
    if (symbol === undefined)
      throw new Error(`${name} is not defined (a C constant missing from the table?)`);
    return symbol;
  }

  /** The number a value stands for. */
  resolve(value: XdrValue): number {
    if (value.kind === 'number') return value.value;
    const symbol = this.get(value.name);
    if (symbol.kind === 'header') return symbol.constant.value;
    if (symbol.kind === 'enum-member') return symbol.value;
    if (symbol.definition.kind !== 'const') throw new Error(`${value.name} is not a constant`);
    return this.resolve(symbol.definition.value);
  }
}
