import { Duplex } from 'node:stream';

/** pve-http-server `AnyEvent.pm` `websocket_proxy`: `my $max_payload_size = 128 * 1024`. */
const MAX_PAYLOAD = 128 * 1024;

/** A server frame, unmasked, FIN set: `$encode` in `websocket_proxy` (binary `\x82` unless told otherwise). */
function serverFrame(payload: Uint8Array, opcode = 0x2): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length <= 125) header = Buffer.of(0x80 | opcode, length);
  else if (length <= 0xffff) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(length, 2);
    header[1] = 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(length), 2);
    header[1] = 127;
  }
  header[0] = 0x80 | opcode;
  return Buffer.concat([header, payload]);
}

/** A client frame as `$hdlreader` reads it: unmasked payload, or what stops the read. */
type ClientFrame =
  | { readonly opcode: number; readonly payload: Buffer; readonly size: number }
  | 'incomplete'
  | 'invalid';

/**
 * The frame at the front of `buffer`. `$hdlreader` dies (and pveproxy drops the connection) on a fragmented frame,
 * RSV flags, an unmasked frame from the client and a payload over 128 KiB.
 */
function nextClientFrame(buffer: Buffer): ClientFrame {
  if (buffer.length < 2) return 'incomplete';
  const header = buffer[0] ?? 0;
  const second = buffer[1] ?? 0;
  if ((header & 0x80) === 0 || (header & 0x70) !== 0 || (second & 0x80) === 0) return 'invalid';
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return 'incomplete';
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return 'incomplete';
    const long = buffer.readBigUInt64BE(2);
    if (long > BigInt(MAX_PAYLOAD)) return 'invalid';
    length = Number(long);
    offset = 10;
  }
  if (length > MAX_PAYLOAD) return 'invalid';
  if (buffer.length < offset + 4 + length) return 'incomplete';
  const mask = buffer.subarray(offset, offset + 4);
  const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
  return { opcode: header & 0x0f, payload, size: offset + 4 + length };
}

/**
 * pveproxy's side of a console websocket, as pve-http-server `src/PVE/APIServer/AnyEvent.pm` `websocket_proxy`
 * carries it between the browser and the proxy's local port: a duplex whose readable side is the payload of the
 * client's frames and whose writes go out as binary frames of at most 128 KiB (`$proxyhdlreader`). Client frames are
 * read as `$hdlreader` reads them: a fragmented frame, RSV bits, an unmasked frame, one over 128 KiB or an unknown
 * opcode drops the connection; text and binary frames are data alike; a ping gets a pong; a close shuts both sides
 * down. When the proxy side ends, the connection is dropped without a close frame (`client_do_disconnect`).
 */
export function pveproxyWebsocket(socket: Duplex): Duplex {
  let buffer: Buffer = Buffer.alloc(0);
  const proxy = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      let ok = true;
      for (let offset = 0; offset < chunk.length; offset += MAX_PAYLOAD) {
        ok = socket.write(serverFrame(chunk.subarray(offset, offset + MAX_PAYLOAD)));
      }
      if (ok) callback();
      else socket.once('drain', () => callback());
    },
    final(callback) {
      socket.destroy();
      callback();
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  const drop = () => {
    if (!proxy.destroyed) proxy.destroy();
  };
  const read = (): void => {
    for (;;) {
      const frame = nextClientFrame(buffer);
      if (frame === 'incomplete') return;
      if (frame === 'invalid') {
        drop();
        return;
      }
      buffer = buffer.subarray(frame.size);
      if (frame.opcode === 1 || frame.opcode === 2) {
        if (!proxy.push(frame.payload)) socket.pause();
      } else if (frame.opcode === 8) {
        proxy.push(null);
        socket.end();
        return;
      } else if (frame.opcode === 9) {
        socket.write(serverFrame(frame.payload, 0xa));
      } else if (frame.opcode !== 0xa) {
        drop(); // received unhandled websocket opcode
        return;
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    read();
  });
  socket.on('end', () => proxy.push(null));
  socket.on('close', drop);
  socket.on('error', drop);
  return proxy;
}
