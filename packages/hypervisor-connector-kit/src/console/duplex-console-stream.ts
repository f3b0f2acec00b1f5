import { Duplex } from 'node:stream';
import type { ConsoleProtocol, ConsoleStream } from '@hvc/hypervisor-connector';

/**
 * A {@link ConsoleStream} over a connected Node duplex (a socket, or one end of an in-process pair). Reads and
 * writes keep the duplex's backpressure; closing either web stream, or `close()`, destroys the duplex.
 */
export function duplexConsoleStream(
  duplex: Duplex,
  protocol: ConsoleProtocol,
  rfbVersion?: string,
): ConsoleStream {
  const { readable, writable } = Duplex.toWeb(duplex) as {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<Uint8Array>;
  };
  const close = async (): Promise<void> => {
    if (duplex.destroyed) return;
    duplex.destroy();
  };
  return {
    protocol,
    readable,
    writable,
    ...(rfbVersion === undefined ? {} : { rfbVersion }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
