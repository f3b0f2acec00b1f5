/** A number written in a `.x` file, or the name of a constant that holds one. */
export type XdrValue =
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'const'; readonly name: string };

/** The built-in XDR types; `char` and `short` travel as 4-byte ints, as rpcgen encodes them. */
export type XdrPrimitive = 'int' | 'uint' | 'hyper' | 'uhyper' | 'float' | 'double' | 'bool';

/** A type in a declaration: a primitive or a name defined elsewhere. */
export type XdrTypeRef =
  | { readonly kind: 'primitive'; readonly primitive: XdrPrimitive }
  | { readonly kind: 'named'; readonly name: string };

/** One declaration: a struct field, a union arm, or the body of a typedef. */
export type XdrDeclaration =
  | { readonly kind: 'void' }
  | { readonly kind: 'plain'; readonly name: string; readonly type: XdrTypeRef }
  | { readonly kind: 'optional'; readonly name: string; readonly type: XdrTypeRef }
  | {
      readonly kind: 'fixed-array';
      readonly name: string;
      readonly type: XdrTypeRef;
      readonly length: XdrValue;
    }
  | { readonly kind: 'var-array'; readonly name: string; readonly type: XdrTypeRef; readonly max?: XdrValue }
  | { readonly kind: 'fixed-opaque'; readonly name: string; readonly length: XdrValue }
  | { readonly kind: 'var-opaque'; readonly name: string; readonly max?: XdrValue }
  | { readonly kind: 'string'; readonly name: string; readonly max?: XdrValue };

/** A declaration that names something (every kind but `void`). */
export type XdrNamedDeclaration = Exclude<XdrDeclaration, { kind: 'void' }>;

/** One arm of a union: the case values that select it, or `default`. */
export interface XdrUnionArm {
  readonly cases: readonly XdrValue[] | 'default';
  readonly declaration: XdrDeclaration;
}

/** A top-level definition of a `.x` file. */
export type XdrDefinition =
  | { readonly kind: 'const'; readonly name: string; readonly value: XdrValue }
  | {
      readonly kind: 'enum';
      readonly name: string;
      readonly members: readonly { readonly name: string; readonly value: XdrValue }[];
    }
  | { readonly kind: 'struct'; readonly name: string; readonly fields: readonly XdrNamedDeclaration[] }
  | {
      readonly kind: 'union';
      readonly name: string;
      readonly discriminant: XdrNamedDeclaration;
      readonly arms: readonly XdrUnionArm[];
    }
  | { readonly kind: 'typedef'; readonly declaration: XdrNamedDeclaration };

/** The name a definition introduces. */
export function definitionName(definition: XdrDefinition): string {
  return definition.kind === 'typedef' ? definition.declaration.name : definition.name;
}
