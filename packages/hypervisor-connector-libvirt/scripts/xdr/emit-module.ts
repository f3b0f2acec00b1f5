import type {
  XdrDeclaration,
  XdrDefinition,
  XdrNamedDeclaration,
  XdrPrimitive,
  XdrTypeRef,
  XdrUnionArm,
  XdrValue,
} from './ast.js';
import { pascalName, type SymbolTable } from './symbols.js';

/** XDR's largest length (2^32 - 1): the bound of `<>`, which the message size still limits. */
const UNBOUNDED = '0xffffffff';

const PRIMITIVE_TS: Record<XdrPrimitive, string> = {
  int: 'number',
  uint: 'number',
  hyper: 'bigint',
  uhyper: 'bigint',
  float: 'number',
  double: 'number',
  bool: 'boolean',
};

const PRIMITIVE_METHOD: Record<XdrPrimitive, string> = {
  int: 'Int',
  uint: 'Uint',
  hyper: 'Hyper',
  uhyper: 'Uhyper',
  float: 'Float',
  double: 'Double',
  bool: 'Bool',
};

/** The imports a module needs from its sibling generated modules, by module. */
export class ImportSet {
  readonly #byModule = new Map<string, Map<string, 'type' | 'value'>>();

  add(module: string, name: string, kind: 'type' | 'value'): void {
    const names = this.#byModule.get(module) ?? new Map<string, 'type' | 'value'>();
    if (names.get(name) !== 'value') names.set(name, kind);
    this.#byModule.set(module, names);
  }

  /** The import lines, sorted so the output is stable. */
  render(): string[] {
    return [...this.#byModule.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([module, names]) => {
        const list = [...names.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, kind]) => (kind === 'type' ? `type ${name}` : name));
        const allTypes = [...names.values()].every((kind) => kind === 'type');
        const specifiers = allTypes ? list.map((name) => name.replace(/^type /, '')) : list;
        const head = `import ${allTypes ? 'type ' : ''}{`;
        const oneLine = `${head} ${specifiers.join(', ')} } from '${module}';`;
        if (oneLine.length <= 110) return oneLine;
        return [head, ...specifiers.map((name) => `  ${name},`), `} from '${module}';`].join('\n');
      });
  }
}

/** Emits the TypeScript of one `.x` file: constants, enums, and a type plus a codec for every definition. */
export class ModuleEmitter {
  readonly imports = new ImportSet();
  readonly #symbols: SymbolTable;
  readonly #module: string;
  readonly #file: string;

  constructor(symbols: SymbolTable, module: string, file: string) {
    this.#symbols = symbols;
    this.#module = module;
    this.#file = file;
  }

  /** Records that `name` (an XDR name) is used and returns its TypeScript identifier. */
  #use(xdrName: string, identifier: string, kind: 'type' | 'value'): string {
    const symbol = this.#symbols.get(xdrName);
    if (symbol.module !== this.#module) this.imports.add(`./${symbol.module}.js`, identifier, kind);
    return identifier;
  }

  /** A bound or length as source text: the constant's name when it has one. */
  #valueText(value: XdrValue | undefined): string {
    if (value === undefined) return UNBOUNDED;
    if (value.kind === 'number') return value.text;
    const symbol = this.#symbols.get(value.name);
    if (symbol.kind === 'enum-member') return String(symbol.value);
    if (symbol.kind === 'definition' && symbol.definition.kind !== 'const') {
      throw new Error(`${value.name} is used as a number but is a ${symbol.definition.kind}`);
    }
    return this.#use(value.name, value.name, 'value');
  }

  #typeName(name: string): string {
    const symbol = this.#symbols.get(name);
    if (symbol.kind !== 'definition' || symbol.definition.kind === 'const') {
      throw new Error(`${name} is used as a type but is a constant`);
    }
    return this.#use(name, pascalName(name), symbol.definition.kind === 'enum' ? 'value' : 'type');
  }

  #codecName(name: string): string {
    this.#typeName(name);
    return this.#use(name, `${pascalName(name)}Codec`, 'value');
  }

  #refType(ref: XdrTypeRef): string {
    return ref.kind === 'primitive' ? PRIMITIVE_TS[ref.primitive] : this.#typeName(ref.name);
  }

  #declarationType(declaration: XdrNamedDeclaration): string {
    switch (declaration.kind) {
      case 'plain':
        return this.#refType(declaration.type);
      case 'optional':
        return `${this.#refType(declaration.type)} | null`;
      case 'fixed-array':
      case 'var-array':
        return `readonly ${this.#refType(declaration.type)}[]`;
      case 'fixed-opaque':
      case 'var-opaque':
        return 'Uint8Array';
      case 'string':
        return 'string';
    }
  }

  #encodeRef(ref: XdrTypeRef, value: string): string {
    if (ref.kind === 'primitive') return `w.write${PRIMITIVE_METHOD[ref.primitive]}(${value})`;
    return `${this.#codecName(ref.name)}.encode(w, ${value})`;
  }

  #decodeRef(ref: XdrTypeRef): string {
    if (ref.kind === 'primitive') return `r.read${PRIMITIVE_METHOD[ref.primitive]}()`;
    return `${this.#codecName(ref.name)}.decode(r)`;
  }

  /** The statement that encodes `declaration` held in `value`. */
  #encode(declaration: XdrNamedDeclaration, value: string): string {
    switch (declaration.kind) {
      case 'plain':
        return this.#encodeRef(declaration.type, value);
      case 'optional':
        return `w.writeOptional(${value}, (w, x) => ${this.#encodeRef(declaration.type, 'x')})`;
      case 'fixed-array':
        return `w.writeFixedArray(${value}, ${this.#valueText(declaration.length)}, (w, x) => ${this.#encodeRef(declaration.type, 'x')})`;
      case 'var-array':
        return `w.writeArray(${value}, ${this.#valueText(declaration.max)}, (w, x) => ${this.#encodeRef(declaration.type, 'x')})`;
      case 'fixed-opaque':
        return `w.writeFixedOpaque(${value}, ${this.#valueText(declaration.length)})`;
      case 'var-opaque':
        return `w.writeVarOpaque(${value}, ${this.#valueText(declaration.max)})`;
      case 'string':
        return `w.writeString(${value}, ${this.#valueText(declaration.max)})`;
    }
  }

  /** The expression that decodes `declaration`. */
  #decode(declaration: XdrNamedDeclaration): string {
    switch (declaration.kind) {
      case 'plain':
        return this.#decodeRef(declaration.type);
      case 'optional':
        return `r.readOptional((r) => ${this.#decodeRef(declaration.type)})`;
      case 'fixed-array':
        return `r.readFixedArray(${this.#valueText(declaration.length)}, (r) => ${this.#decodeRef(declaration.type)})`;
      case 'var-array':
        return `r.readArray(${this.#valueText(declaration.max)}, (r) => ${this.#decodeRef(declaration.type)})`;
      case 'fixed-opaque':
        return `r.readFixedOpaque(${this.#valueText(declaration.length)})`;
      case 'var-opaque':
        return `r.readVarOpaque(${this.#valueText(declaration.max)})`;
      case 'string':
        return `r.readString(${this.#valueText(declaration.max)})`;
    }
  }

  /** The source of one definition. */
  emit(definition: XdrDefinition): string {
    switch (definition.kind) {
      case 'const':
        return this.#emitConst(definition.name, definition.value);
      case 'enum':
        return this.#emitEnum(definition.name, definition.members);
      case 'struct':
        return this.#emitStruct(definition.name, definition.fields);
      case 'union':
        return this.#emitUnion(definition.name, definition.discriminant, definition.arms);
      case 'typedef':
        return this.#emitTypedef(definition.declaration);
    }
  }

  #doc(kind: string, name: string): string {
    return `/** XDR \`${kind} ${name}\` from ${this.#file}. */`;
  }

  #emitConst(name: string, value: XdrValue): string {
    return [this.#doc('const', name), `export const ${name} = ${this.#valueText(value)};`].join('\n');
  }

  #emitEnum(name: string, members: readonly { readonly name: string; readonly value: XdrValue }[]): string {
    const type = pascalName(name);
    return [
      this.#doc('enum', name),
      `export const ${type} = {`,
      ...members.map((member) => `  ${member.name}: ${this.#symbols.resolve(member.value)},`),
      '} as const;',
      `/** A value of {@link ${type}}. */`,
      `export type ${type} = (typeof ${type})[keyof typeof ${type}];`,
      `const ${type}Values: ReadonlySet<number> = new Set(Object.values(${type}));`,
      `/** Encoder and decoder of {@link ${type}}; values outside the enum are rejected. */`,
      `export const ${type}Codec: XdrCodec<${type}> = {`,
      '  encode(w, v) {',
      `    w.writeEnum(v, ${type}Values, '${name}');`,
      '  },',
      '  decode(r) {',
      `    return r.readEnum<${type}>(${type}Values, '${name}');`,
      '  },',
      '};',
    ].join('\n');
  }

  #emitStruct(name: string, fields: readonly XdrNamedDeclaration[]): string {
    const type = pascalName(name);
    const shape =
      fields.length === 0
        ? [`export type ${type} = Record<string, never>;`]
        : [
            `export interface ${type} {`,
            ...fields.map((field) => `  readonly ${field.name}: ${this.#declarationType(field)};`),
            '}',
          ];
    const encode =
      fields.length === 0
        ? ['  encode() {},']
        : [
            '  encode(w, v) {',
            ...fields.map((field) => `    ${this.#encode(field, `v.${field.name}`)};`),
            '  },',
          ];
    const decode =
      fields.length === 0
        ? ['  decode() {', '    return {};', '  },']
        : [
            '  decode(r) {',
            '    return {',
            ...fields.map((field) => `      ${field.name}: ${this.#decode(field)},`),
            '    };',
            '  },',
          ];
    return [
      this.#doc('struct', name),
      ...shape,
      `/** Encoder and decoder of {@link ${type}}. */`,
      `export const ${type}Codec: XdrCodec<${type}> = {`,
      ...encode,
      ...decode,
      '};',
    ].join('\n');
  }

  #emitUnion(name: string, discriminant: XdrNamedDeclaration, arms: readonly XdrUnionArm[]): string {
    const type = pascalName(name);
    const tag = discriminant.name;
    const hasDefault = arms.some((arm) => arm.cases === 'default');
    const armValues = (arm: XdrUnionArm): number[] =>
      arm.cases === 'default' ? [] : arm.cases.map((value) => this.#symbols.resolve(value));
    const armField = (declaration: XdrDeclaration): string =>
      declaration.kind === 'void'
        ? ''
        : `; readonly ${declaration.name}: ${this.#declarationType(declaration)}`;
    const tagType = (arm: XdrUnionArm): string =>
      arm.cases === 'default' ? this.#declarationType(discriminant) : armValues(arm).join(' | ');
    const variants = arms.map(
      (arm) => `  | { readonly ${tag}: ${tagType(arm)}${armField(arm.declaration)} }`,
    );
    const caseLabels = (arm: XdrUnionArm): string[] =>
      arm.cases === 'default' ? ['      default:'] : armValues(arm).map((value) => `      case ${value}:`);
    const encodeArms = arms.flatMap((arm) => [
      ...caseLabels(arm),
      ...(arm.declaration.kind === 'void'
        ? []
        : [`        ${this.#encode(arm.declaration, `v.${arm.declaration.name}`)};`]),
      '        return;',
    ]);
    const decodeArms = arms.flatMap((arm) => {
      const values = armValues(arm);
      const tagValue = arm.cases === 'default' || values.length > 1 ? tag : String(values[0]);
      const tagExpression =
        arm.cases !== 'default' && values.length > 1 ? `${tag} as ${values.join(' | ')}` : tagValue;
      const field =
        arm.declaration.kind === 'void' ? '' : `, ${arm.declaration.name}: ${this.#decode(arm.declaration)}`;
      return [...caseLabels(arm), `        return { ${tag}: ${tagExpression}${field} };`];
    });
    const noArm = (direction: 'encode' | 'decode', value: string): string[] =>
      hasDefault
        ? []
        : [
            '      default:',
            `        throw new XdrError('${direction}', \`\${String(${value})} is not a case of union ${name}\`);`,
          ];
    this.imports.add('../xdr/xdr-error.js', 'XdrError', 'value');
    return [
      this.#doc('union', name),
      `export type ${type} =`,
      `${variants.join('\n')};`,
      `/** Encoder and decoder of {@link ${type}}; a discriminant without an arm is rejected. */`,
      `export const ${type}Codec: XdrCodec<${type}> = {`,
      '  encode(w, v) {',
      `    ${this.#encode(discriminant, `v.${tag}`)};`,
      `    switch (v.${tag}) {`,
      ...encodeArms,
      ...noArm('encode', `(v as { ${tag}: unknown }).${tag}`),
      '    }',
      '  },',
      '  decode(r) {',
      `    const ${tag} = ${this.#decode(discriminant)};`,
      `    switch (${tag}) {`,
      ...decodeArms,
      ...noArm('decode', tag),
      '    }',
      '  },',
      '};',
    ].join('\n');
  }

  #emitTypedef(declaration: XdrNamedDeclaration): string {
    const type = pascalName(declaration.name);
    return [
      this.#doc('typedef', declaration.name),
      `export type ${type} = ${this.#declarationType(declaration)};`,
      `/** Encoder and decoder of {@link ${type}}. */`,
      `export const ${type}Codec: XdrCodec<${type}> = {`,
      '  encode(w, v) {',
      `    ${this.#encode(declaration, 'v')};`,
      '  },',
      '  decode(r) {',
      `    return ${this.#decode(declaration)};`,
      '  },',
      '};',
    ].join('\n');
  }
}
