import type {
  XdrDeclaration,
  XdrDefinition,
  XdrNamedDeclaration,
  XdrPrimitive,
  XdrTypeRef,
  XdrUnionArm,
  XdrValue,
} from './ast.js';
import { tokenizeXdr, type XdrToken } from './tokenize.js';

/**
 * Parses the subset of the XDR language (RFC 4506 §6, with rpcgen's extensions) that libvirt's `.x` files use:
 * `const`, `enum`, `struct`, `union ... switch`, `typedef`, optional `*`, fixed `[N]` and variable `<N>` arrays,
 * `string<N>`, `opaque`, `hyper`, `unsigned`, `bool`, `float`, `double`, `char` and `short`. Anything else is an
 * error naming the file and line, so a new construct in a later libvirt is noticed, not silently skipped.
 */
export function parseXdr(source: string, file: string): XdrDefinition[] {
  return new Parser(tokenizeXdr(source, file), file).parseFile();
}

class Parser {
  readonly tokens: readonly XdrToken[];
  readonly file: string;
  #at = 0;

  constructor(tokens: readonly XdrToken[], file: string) {
    this.tokens = tokens;
    this.file = file;
  }

  parseFile(): XdrDefinition[] {
    const definitions: XdrDefinition[] = [];
    while (this.#at < this.tokens.length) definitions.push(this.#definition());
    return definitions;
  }

  #fail(message: string): never {
    const token = this.tokens[Math.min(this.#at, this.tokens.length - 1)];
    throw new Error(`${this.file}:${token?.line ?? 0}: ${message}`);
  }

  #peek(offset = 0): XdrToken | undefined {
    return this.tokens[this.#at + offset];
  }

  #next(): XdrToken {
    const token = this.tokens[this.#at];
    if (token === undefined) this.#fail('unexpected end of file');
    this.#at++;
    return token;
  }

  #accept(text: string): boolean {
    if (this.#peek()?.text !== text) return false;
    this.#at++;
    return true;
  }

  #expect(text: string): void {
    const token = this.#next();
    if (token.text !== text) this.#fail(`expected '${text}', found '${token.text}'`);
  }

  #identifier(): string {
    const token = this.#next();
    if (token.kind !== 'word') this.#fail(`expected an identifier, found '${token.text}'`);
    return token.text;
  }

  #value(): XdrValue {
    const token = this.#next();
    if (token.kind === 'number') return { kind: 'number', value: Number(token.text), text: token.text };
    if (token.kind === 'word') return { kind: 'const', name: token.text };
    return this.#fail(`expected a number or a constant, found '${token.text}'`);
  }

  #definition(): XdrDefinition {
    const keyword = this.#identifier();
    let definition: XdrDefinition;
    switch (keyword) {
      case 'const': {
        const name = this.#identifier();
        this.#expect('=');
        definition = { kind: 'const', name, value: this.#value() };
        break;
      }
      case 'enum':
        definition = this.#enum();
        break;
      case 'struct':
        definition = this.#struct();
        break;
      case 'union':
        definition = this.#union();
        break;
      case 'typedef': {
        const declaration = this.#declaration();
        if (declaration.kind === 'void') this.#fail('typedef of void');
        definition = { kind: 'typedef', declaration };
        break;
      }
      default:
        this.#fail(`unsupported definition '${keyword}'`);
    }
    this.#expect(';');
    return definition;
  }

  #enum(): XdrDefinition {
    const name = this.#identifier();
    this.#expect('{');
    const members: { name: string; value: XdrValue }[] = [];
    do {
      const member = this.#identifier();
      this.#expect('=');
      members.push({ name: member, value: this.#value() });
    } while (this.#accept(','));
    this.#expect('}');
    return { kind: 'enum', name, members };
  }

  #struct(): XdrDefinition {
    const name = this.#identifier();
    this.#expect('{');
    const fields: XdrNamedDeclaration[] = [];
    while (!this.#accept('}')) {
      const field = this.#declaration();
      if (field.kind === 'void') this.#fail(`void field in struct ${name}`);
      fields.push(field);
      this.#expect(';');
    }
    return { kind: 'struct', name, fields };
  }

  #union(): XdrDefinition {
    const name = this.#identifier();
    this.#expect('switch');
    this.#expect('(');
    const discriminant = this.#declaration();
    if (discriminant.kind !== 'plain') this.#fail(`union ${name} needs a plain discriminant`);
    this.#expect(')');
    this.#expect('{');
    const arms: XdrUnionArm[] = [];
    while (!this.#accept('}')) {
      let cases: XdrValue[] | 'default';
      if (this.#accept('default')) {
        this.#expect(':');
        cases = 'default';
      } else {
        cases = [];
        while (this.#accept('case')) {
          cases.push(this.#value());
          this.#expect(':');
        }
        if (cases.length === 0) this.#fail(`expected 'case' or 'default' in union ${name}`);
      }
      arms.push({ cases, declaration: this.#declaration() });
      this.#expect(';');
    }
    return { kind: 'union', name, discriminant, arms };
  }

  /** A type specifier: a primitive (with `unsigned`) or a name. */
  #typeSpecifier(): XdrTypeRef {
    const word = this.#identifier();
    const primitive = (p: XdrPrimitive): XdrTypeRef => ({ kind: 'primitive', primitive: p });
    switch (word) {
      case 'unsigned': {
        const next = this.#peek()?.text;
        if (next === 'int' || next === 'char' || next === 'short' || next === 'long') {
          this.#at++;
          return primitive('uint');
        }
        if (next === 'hyper') {
          this.#at++;
          return primitive('uhyper');
        }
        return primitive('uint');
      }
      case 'int':
      case 'char':
      case 'short':
      case 'long':
        return primitive('int');
      case 'hyper':
        return primitive('hyper');
      case 'float':
        return primitive('float');
      case 'double':
        return primitive('double');
      case 'bool':
        return primitive('bool');
      case 'quadruple':
      case 'struct':
      case 'union':
      case 'enum':
        return this.#fail(`unsupported type specifier '${word}'`);
      default:
        return { kind: 'named', name: word };
    }
  }

  #declaration(): XdrDeclaration {
    if (this.#accept('void')) return { kind: 'void' };
    if (this.#accept('opaque')) {
      const name = this.#identifier();
      if (this.#accept('[')) {
        const length = this.#value();
        this.#expect(']');
        return { kind: 'fixed-opaque', name, length };
      }
      const max = this.#variableBound();
      return max === undefined ? { kind: 'var-opaque', name } : { kind: 'var-opaque', name, max };
    }
    if (this.#accept('string')) {
      const name = this.#identifier();
      const max = this.#variableBound();
      return max === undefined ? { kind: 'string', name } : { kind: 'string', name, max };
    }
    const type = this.#typeSpecifier();
    if (this.#accept('*')) return { kind: 'optional', name: this.#identifier(), type };
    const name = this.#identifier();
    if (this.#accept('[')) {
      const length = this.#value();
      this.#expect(']');
      return { kind: 'fixed-array', name, type, length };
    }
    if (this.#peek()?.text === '<') {
      const max = this.#variableBound();
      return max === undefined ? { kind: 'var-array', name, type } : { kind: 'var-array', name, type, max };
    }
    return { kind: 'plain', name, type };
  }

  /** `<N>` or `<>` (unbounded). */
  #variableBound(): XdrValue | undefined {
    this.#expect('<');
    if (this.#accept('>')) return undefined;
    const max = this.#value();
    this.#expect('>');
    return max;
  }
}
