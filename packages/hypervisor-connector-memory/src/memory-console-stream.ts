import { Duplex } from 'node:stream';
import type { ConsoleStream } from '@hvc/hypervisor-connector';
import { openRfbConsoleStream, serveSmallRfb } from '@hvc/hypervisor-connector-kit/console';
import { consoleGuest } from './console-tickets.js';
import type { MemoryContext } from './memory-context.js';

/** The memory console's framebuffer: small, so a full update is a few bytes. */
const FRAMEBUFFER = { width: 4, height: 3 } as const;

/**
 * Two connected in-process duplexes: what one writes, the other reads; destroying one destroys the other.
 * (Node 20 has no `stream.duplexPair`.)
 */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const end = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        if (!peer().destroyed) peer().destroy();
        callback(error);
      },
    });
  ends.push(
    end(() => ends[1] as Duplex),
    end(() => ends[0] as Duplex),
  );
  return [ends[0] as Duplex, ends[1] as Duplex];
}

/**
 * `openConsoleStream` for `vnc` on an active guest (CONFLICT otherwise): a small in-process RFB 3.8 server
 * (security None, a 4x3 black framebuffer named after the guest) reached through the kit's RFB client handshake,
 * so the stream is positioned after SecurityResult as a real hypervisor's is. No socket is opened.
 */
export function openMemoryConsoleStream(context: MemoryContext, guestId: string): Promise<ConsoleStream> {
  const guest = consoleGuest(context, guestId);
  const [client, server] = duplexPair();
  void serveSmallRfb(server, { ...FRAMEBUFFER, name: guest.config.name });
  return openRfbConsoleStream(client);
}
