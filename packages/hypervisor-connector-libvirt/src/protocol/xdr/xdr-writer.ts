import { XdrError } from './xdr-error.js';

const utf8 = new TextEncoder();
const INT_MIN = -0x8000_0000;
const INT_MAX = 0x7fff_ffff;
const UINT_MAX = 0xffff_ffff;
const HYPER_MIN = -(2n ** 63n);
const HYPER_MAX = 2n ** 63n - 1n;
const UHYPER_MAX = 2n ** 64n - 1n;

/** The padding that brings `length` bytes to a multiple of four. */
function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/**
 * Writes XDR (RFC 4506) values into a growing buffer. Values are checked as they are written: integers in
 * range, lengths within the bounds the `.x` files declare, fixed sizes exact, and the whole message within
 * `maxBytes`, so a bad argument becomes an `XdrError` rather than a message the daemon would reject.
 */
export class XdrWriter {
  readonly #maxBytes: number;
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  /** @param maxBytes the largest message this writer may produce. */
  constructor(maxBytes = Number.POSITIVE_INFINITY, initialCapacity = 256) {
    this.#maxBytes = maxBytes;
    this.#bytes = new Uint8Array(Math.min(initialCapacity, maxBytes));
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a view, valid until the next write). */
  toBytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /**
   * Makes room for `count` more bytes and returns where they start. It may replace the buffer and its view, so
   * callers read `this.#view` only after it returns (`view.set(reserve(…))` would write through the old view).
   */
  #reserve(count: number): number {
    const needed = this.#length + count;
    if (needed > this.#maxBytes) {
      throw new XdrError(
        'encode',
        `message of at least ${needed} bytes exceeds the limit of ${this.#maxBytes}`,
      );
    }
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed, this.#bytes.length * 2), this.#maxBytes));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    const at = this.#length;
    this.#length = needed;
    return at;
  }

  /** A signed 32-bit `int` (also `char`, `short` and enums). */
  writeInt(value: number): void {
    if (!Number.isInteger(value) || value < INT_MIN || value > INT_MAX) {
      throw new XdrError('encode', `${value} is not a 32-bit signed integer`);
    }
    const at = this.#reserve(4);
    this.#view.setInt32(at, value, false);
  }

  /** An `unsigned int` (also `unsigned char` and `unsigned short`). */
  writeUint(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > UINT_MAX) {
      throw new XdrError('encode', `${value} is not a 32-bit unsigned integer`);
    }
    const at = this.#reserve(4);
    this.#view.setUint32(at, value, false);
  }

  /** Overwrites the `unsigned int` at `offset` (used for the frame length, known only at the end). */
  patchUint(offset: number, value: number): void {
    if (offset < 0 || offset + 4 > this.#length) throw new RangeError(`no word written at ${offset}`);
    this.#view.setUint32(offset, value, false);
  }

  /** A signed 64-bit `hyper`. */
  writeHyper(value: bigint): void {
    if (typeof value !== 'bigint' || value < HYPER_MIN || value > HYPER_MAX) {
      throw new XdrError('encode', `${String(value)} is not a 64-bit signed integer (bigint)`);
    }
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, value, false);
  }

  /** An `unsigned hyper`. */
  writeUhyper(value: bigint): void {
    if (typeof value !== 'bigint' || value < 0n || value > UHYPER_MAX) {
      throw new XdrError('encode', `${String(value)} is not a 64-bit unsigned integer (bigint)`);
    }
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, value, false);
  }

  /** A 32-bit IEEE `float`. */
  writeFloat(value: number): void {
    const at = this.#reserve(4);
    this.#view.setFloat32(at, value, false);
  }

  /** A 64-bit IEEE `double`. */
  writeDouble(value: number): void {
    const at = this.#reserve(8);
    this.#view.setFloat64(at, value, false);
  }

  /** A `bool` as 0 or 1. */
  writeBool(value: boolean): void {
    this.writeInt(value ? 1 : 0);
  }

  /** An enum value, which must be one of `allowed`. */
  writeEnum(value: number, allowed: ReadonlySet<number>, name: string): void {
    if (!allowed.has(value)) throw new XdrError('encode', `${value} is not a value of enum ${name}`);
    this.writeInt(value);
  }

  /** Fixed-length `opaque[length]`: exactly `length` bytes. */
  writeFixedOpaque(value: Uint8Array, length: number): void {
    if (!(value instanceof Uint8Array) || value.length !== length) {
      throw new XdrError('encode', `fixed opaque needs exactly ${length} bytes`);
    }
    this.#writePadded(value);
  }

  /** Variable-length `opaque<max>`. */
  writeVarOpaque(value: Uint8Array, max: number): void {
    if (!(value instanceof Uint8Array)) throw new XdrError('encode', 'opaque data must be a Uint8Array');
    if (value.length > max) {
      throw new XdrError('encode', `opaque of ${value.length} bytes exceeds its bound of ${max}`);
    }
    this.writeUint(value.length);
    this.#writePadded(value);
  }

  /** A `string<max>` as UTF-8; `max` counts bytes. */
  writeString(value: string, max: number): void {
    if (typeof value !== 'string') throw new XdrError('encode', 'expected a string');
    const bytes = utf8.encode(value);
    if (bytes.length > max) {
      throw new XdrError('encode', `string of ${bytes.length} bytes exceeds its bound of ${max}`);
    }
    this.writeUint(bytes.length);
    this.#writePadded(bytes);
  }

  #writePadded(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length + padding(bytes.length));
    this.#bytes.set(bytes, at);
    this.#bytes.fill(0, at + bytes.length, this.#length);
  }

  /** Appends raw bytes with no length or padding (a stream packet's payload). */
  writeRaw(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.#bytes.set(bytes, at);
  }

  /** A variable-length array `T<max>`. */
  writeArray<T>(items: readonly T[], max: number, writeItem: (writer: XdrWriter, item: T) => void): void {
    if (!Array.isArray(items)) throw new XdrError('encode', 'expected an array');
    if (items.length > max) {
      throw new XdrError('encode', `array of ${items.length} items exceeds its bound of ${max}`);
    }
    this.writeUint(items.length);
    for (const item of items) writeItem(this, item);
  }

  /** A fixed-length array `T[length]`: exactly `length` items. */
  writeFixedArray<T>(
    items: readonly T[],
    length: number,
    writeItem: (writer: XdrWriter, item: T) => void,
  ): void {
    if (!Array.isArray(items) || items.length !== length) {
      throw new XdrError('encode', `fixed array needs exactly ${length} items`);
    }
    for (const item of items) writeItem(this, item);
  }

  /** An optional `T *`: 0, or 1 and the value. */
  writeOptional<T>(value: T | null | undefined, writeItem: (writer: XdrWriter, item: T) => void): void {
    if (value === null || value === undefined) {
      this.writeInt(0);
    } else {
      this.writeInt(1);
      writeItem(this, value);
    }
  }
}
