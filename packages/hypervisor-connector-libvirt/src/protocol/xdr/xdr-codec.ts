import type { XdrReader } from './xdr-reader.js';
import type { XdrWriter } from './xdr-writer.js';

/** The encoder and decoder of one XDR type, as generated from the protocol's `.x` files. */
export interface XdrCodec<T> {
  /** Appends `value` to `writer`; throws `XdrError` when it breaks a bound of the type. */
  encode(writer: XdrWriter, value: T): void;
  /** Reads one value from `reader`; throws `XdrError` on malformed or out-of-bound input. */
  decode(reader: XdrReader): T;
}

/** The codec of XDR `void`: nothing on the wire. */
export const voidCodec: XdrCodec<void> = {
  encode() {},
  decode() {},
};
