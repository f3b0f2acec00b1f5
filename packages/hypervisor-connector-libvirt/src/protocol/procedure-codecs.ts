import type { XdrCodec } from './xdr/xdr-codec.js';

/** The payload types of one procedure: its call arguments, its reply and (for events) its message. */
export interface ProcedurePayloads {
  readonly args: unknown;
  readonly ret: unknown;
  readonly msg: unknown;
}

/** The codecs of one procedure's payloads; `void` payloads use `voidCodec`. */
export interface ProcedureCodecs<T extends ProcedurePayloads> {
  readonly args: XdrCodec<T['args']>;
  readonly ret: XdrCodec<T['ret']>;
  readonly msg: XdrCodec<T['msg']>;
}
