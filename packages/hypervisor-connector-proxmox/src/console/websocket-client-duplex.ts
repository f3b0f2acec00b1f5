import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';

/**
 * pveproxy refuses a client frame over 128 KiB and any fragmented frame (pve-http-server
 * `src/PVE/APIServer/AnyEvent.pm` `websocket_proxy`: `$max_payload_size`, `received fragmented websocket frame`),
 * so writes go out as whole binary frames of at most this many bytes.
 */
export const PVEPROXY_MAX_FRAME_PAYLOAD = 128 * 1024;
/** The largest frame payload accepted from the server; pveproxy sends at most 128 KiB a frame. */
const MAX_SERVER_PAYLOAD = 16 * 1024 * 1024;

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** One masked client frame (RFC 6455 §5.2), FIN set. */
function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.length;
  const extended = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const header = Buffer.alloc(2 + extended + 4);
  header[0] = 0x80 | opcode;
  if (extended === 0) header[1] = 0x80 | length;
  else if (extended === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(header, 2 + extended);
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
  return Buffer.concat([header, masked]);
}

/** A server frame taken off the front of `buffer`, or `undefined` while it is incomplete. */
function nextServerFrame(
  buffer: Buffer,
): { readonly opcode: number; readonly payload: Buffer; readonly size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[0] ?? 0;
  const second = buffer[1] ?? 0;
  if ((first & 0x70) !== 0) throw new Error('the server sent a websocket frame with RSV bits set');
  if ((second & 0x80) !== 0) throw new Error('the server sent a masked websocket frame');
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    const long = buffer.readBigUInt64BE(2);
    if (long > BigInt(MAX_SERVER_PAYLOAD)) throw new Error('the server sent a websocket frame too large');
    length = Number(long);
    offset = 10;
  }
  if (length > MAX_SERVER_PAYLOAD) throw new Error('the server sent a websocket frame too large');
  if (buffer.length < offset + length) return undefined;
  return { opcode: first & 0x0f, payload: buffer.subarray(offset, offset + length), size: offset + length };
}

/**
 * The payload bytes of a client websocket (RFC 6455) over an upgraded socket, as a Node duplex: what is written
 * goes out as masked binary frames (split at {@link PVEPROXY_MAX_FRAME_PAYLOAD}), the data of the server's frames
 * comes out, pings are answered, and a close frame ends the readable side. Ending the writable side sends a close
 * frame; destroying the duplex destroys the socket (and the other way round). Reading keeps backpressure: the
 * socket is paused while the readable side is full.
 */
export class WebsocketClientDuplex extends Duplex {
  readonly #socket: Duplex;
  #buffer: Buffer = Buffer.alloc(0);
  #closeSent = false;

  /** `head` is what the socket had already read past the 101 answer. */
  constructor(socket: Duplex, head: Uint8Array = new Uint8Array(0)) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.once('end', () => this.push(null));
    socket.once('close', () => {
      if (!this.destroyed) this.destroy();
    });
    socket.on('error', (error) => this.destroy(error));
    if (head.length > 0) this.#receive(Buffer.from(head));
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    try {
      for (;;) {
        const frame = nextServerFrame(this.#buffer);
        if (frame === undefined) return;
        this.#buffer = this.#buffer.subarray(frame.size);
        if (!this.#handle(frame.opcode, frame.payload)) return;
      }
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  /** Handles one frame; false once the stream is over. */
  #handle(opcode: number, payload: Buffer): boolean {
    switch (opcode) {
      case OPCODE_CONTINUATION:
      case OPCODE_TEXT:
      case OPCODE_BINARY:
        if (payload.length > 0 && !this.push(Buffer.from(payload))) this.#socket.pause();
        return true;
      case OPCODE_PING:
        this.#socket.write(clientFrame(OPCODE_PONG, payload));
        return true;
      case OPCODE_PONG:
        return true;
      case OPCODE_CLOSE:
        this.#sendClose();
        this.push(null);
        this.#socket.end();
        return false;
      default:
        throw new Error(`the server sent a websocket frame of unknown opcode ${opcode}`);
    }
  }

  #sendClose(): void {
    if (this.#closeSent || this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#closeSent = true;
    // Status 1000, normal closure.
    this.#socket.write(clientFrame(OPCODE_CLOSE, Buffer.of(0x03, 0xe8)));
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#closeSent) {
      callback(new Error('the websocket is closing'));
      return;
    }
    let ok = true;
    for (let offset = 0; offset < chunk.length; offset += PVEPROXY_MAX_FRAME_PAYLOAD) {
      ok = this.#socket.write(
        clientFrame(OPCODE_BINARY, chunk.subarray(offset, offset + PVEPROXY_MAX_FRAME_PAYLOAD)),
      );
    }
    if (ok) callback();
    else this.#socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#sendClose();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#socket.destroyed) this.#socket.destroy();
    callback(error);
  }
}
