import { XdrError } from './xdr-error.js';

const utf8 = new TextDecoder('utf-8');

/** The padding that brings `length` bytes to a multiple of four. */
function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/**
 * Reads XDR (RFC 4506) values from a byte range: big-endian 4-byte words, 8-byte hypers, length-prefixed
 * strings and opaque data padded to four bytes. Every length read from the wire is checked against the bound
 * the `.x` file declares and against the bytes actually left before anything is allocated for it.
 */
export class XdrReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;
  #offset: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    if (offset < 0 || end > bytes.length || offset > end) {
      throw new RangeError(`invalid XDR range ${offset}..${end} of ${bytes.length} bytes`);
    }
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#offset = offset;
    this.#end = end;
  }

  /** The position of the next byte to read. */
  get offset(): number {
    return this.#offset;
  }

  /** How many bytes are left. */
  get remaining(): number {
    return this.#end - this.#offset;
  }

  /** Throws unless every byte was consumed: trailing bytes mean the peer and we disagree on the type. */
  assertEnd(what: string): void {
    if (this.#offset !== this.#end) {
      throw new XdrError('decode', `${this.remaining} unexpected trailing bytes after ${what}`);
    }
  }

  /** Reserves `count` bytes and returns where they start. */
  #take(count: number, what: string): number {
    if (count > this.#end - this.#offset) {
      throw new XdrError('decode', `truncated ${what}: needs ${count} bytes, ${this.remaining} left`);
    }
    const at = this.#offset;
    this.#offset += count;
    return at;
  }

  /** A signed 32-bit `int` (also `char`, `short` and enums on the wire). */
  readInt(): number {
    return this.#view.getInt32(this.#take(4, 'int'), false);
  }

  /** An `unsigned int` (also `unsigned char` and `unsigned short` on the wire). */
  readUint(): number {
    return this.#view.getUint32(this.#take(4, 'unsigned int'), false);
  }

  /** A signed 64-bit `hyper`. */
  readHyper(): bigint {
    return this.#view.getBigInt64(this.#take(8, 'hyper'), false);
  }

  /** An `unsigned hyper`. */
  readUhyper(): bigint {
    return this.#view.getBigUint64(this.#take(8, 'unsigned hyper'), false);
  }

  /** A 32-bit IEEE `float`. */
  readFloat(): number {
    return this.#view.getFloat32(this.#take(4, 'float'), false);
  }

  /** A 64-bit IEEE `double`. */
  readDouble(): number {
    return this.#view.getFloat64(this.#take(8, 'double'), false);
  }

  /** A `bool`: 0 or 1, anything else is malformed. */
  readBool(): boolean {
    const value = this.readInt();
    if (value !== 0 && value !== 1) throw new XdrError('decode', `bool must be 0 or 1, got ${value}`);
    return value === 1;
  }

  /** An enum value, which must be one of `allowed`. */
  readEnum<T extends number>(allowed: ReadonlySet<number>, name: string): T {
    const value = this.readInt();
    if (!allowed.has(value)) throw new XdrError('decode', `${value} is not a value of enum ${name}`);
    return value as T;
  }

  /** Fixed-length `opaque[length]` (copied out, so it does not pin the message buffer). */
  readFixedOpaque(length: number): Uint8Array {
    const at = this.#take(length + padding(length), 'fixed opaque');
    return this.#bytes.slice(at, at + length);
  }

  /** Variable-length `opaque<max>`. */
  readVarOpaque(max: number): Uint8Array {
    return this.readFixedOpaque(this.#readByteLength(max, 'opaque'));
  }

  /** A `string<max>`, UTF-8 on the wire; `max` counts bytes. Invalid UTF-8 becomes U+FFFD. */
  readString(max: number): string {
    const length = this.#readByteLength(max, 'string');
    const at = this.#take(length + padding(length), 'string');
    return utf8.decode(this.#bytes.subarray(at, at + length));
  }

  #readByteLength(max: number, what: string): number {
    const length = this.readUint();
    if (length > max) throw new XdrError('decode', `${what} of ${length} bytes exceeds its bound of ${max}`);
    if (length > this.remaining) {
      throw new XdrError('decode', `truncated ${what}: ${length} bytes announced, ${this.remaining} left`);
    }
    return length;
  }

  /** A variable-length array `T<max>`: the count is bounded before any element is read. */
  readArray<T>(max: number, readItem: (reader: XdrReader) => T): T[] {
    const count = this.readUint();
    if (count > max) throw new XdrError('decode', `array of ${count} items exceeds its bound of ${max}`);
    // Every XDR item takes at least four bytes: a count the buffer cannot hold is rejected before allocating.
    if (count > this.remaining / 4) {
      throw new XdrError('decode', `truncated array: ${count} items announced, ${this.remaining} bytes left`);
    }
    return this.readFixedArray(count, readItem);
  }

  /** A fixed-length array `T[length]`. */
  readFixedArray<T>(length: number, readItem: (reader: XdrReader) => T): T[] {
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(readItem(this));
    return items;
  }

  /** An optional `T *`: a 0/1 presence word, then the value when present. */
  readOptional<T>(readItem: (reader: XdrReader) => T): T | null {
    return this.readBool() ? readItem(this) : null;
  }
}
