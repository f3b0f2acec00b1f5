import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/**
 * A duplex stream over `socket` that first yields `head` — bytes already read from the socket — and then the rest
 * of its data. The HTTP/2 server reads sockets through their native handle and would miss bytes put back with
 * `unshift`; given a plain duplex, it reads through the stream instead and sees everything.
 */
export function replayedSocket(socket: Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.once('end', () => duplex.push(null));
  socket.once('close', () => duplex.destroy());
  socket.once('error', (error) => duplex.destroy(error));
  return duplex;
}
