import {
  type VirNetMessageHeader,
  VirNetMessageHeaderCodec,
} from '../protocol/generated/virnet-protocol.gen.js';
import { XdrReader } from '../protocol/xdr/xdr-reader.js';
import { XdrWriter } from '../protocol/xdr/xdr-writer.js';
import { LibvirtProtocolError } from './protocol-error.js';

/** A received packet: its header and its payload. */
export interface Packet {
  readonly header: VirNetMessageHeader;
  /** The payload bytes (a view of the frame). */
  readonly payload: Uint8Array;
}

/** Decodes a frame (without its length word) into header and payload. */
export function decodePacket(frame: Uint8Array): Packet {
  const reader = new XdrReader(frame);
  let header: VirNetMessageHeader;
  try {
    header = VirNetMessageHeaderCodec.decode(reader);
  } catch (error) {
    throw new LibvirtProtocolError(`malformed packet header: ${(error as Error).message}`, { cause: error });
  }
  return { header, payload: frame.subarray(reader.offset) };
}

/**
 * Encodes one packet, length word included. `writePayload` appends the payload; the whole message may not
 * exceed `maxMessageBytes` (an `XdrError` is thrown before anything is sent).
 */
export function encodePacket(
  header: VirNetMessageHeader,
  writePayload: (writer: XdrWriter) => void,
  maxMessageBytes: number,
): Uint8Array {
  const writer = new XdrWriter(maxMessageBytes);
  writer.writeUint(0);
  VirNetMessageHeaderCodec.encode(writer, header);
  writePayload(writer);
  writer.patchUint(0, writer.length);
  return writer.toBytes();
}
