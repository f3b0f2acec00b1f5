import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How a {@link startStreamingServer} answers. */
export interface StreamedAnswer {
  readonly status: number;
  /** Bytes of body to generate (never held in memory: written 64 KiB at a time as the socket drains). */
  readonly bytes: number;
  /** Send `content-length` (else the body is chunked). */
  readonly contentLength?: boolean;
  /** Wait this long before the headers. */
  readonly delayHeadersMs?: number;
  /** Stop after this many bytes without ending the body (a stall). */
  readonly stallAfter?: number;
  /** The body repeats this text (held in memory, 64 KiB written at a time, so characters span writes); else `x`. */
  readonly fill?: string;
}

/** A plain-HTTP loopback server streaming generated bodies, counting what it wrote and the connections it lost. */
export interface StreamingServer {
  readonly url: string;
  /** Body bytes written so far (across answers). */
  readonly bytesWritten: number;
  /** Connections the client closed before their answer ended. */
  readonly droppedEarly: number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** `bytes` bytes of `fill` repeated. */
function filledBody(fill: string, bytes: number): Buffer {
  return Buffer.from(fill.repeat(Math.ceil(bytes / Buffer.byteLength(fill)))).subarray(0, bytes);
}

/** Starts a loopback HTTP server that answers every request as `answer` says. */
export async function startStreamingServer(answer: StreamedAnswer): Promise<StreamingServer> {
  const state = { bytesWritten: 0, droppedEarly: 0 };
  const open = new Set<Socket>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    let ended = false;
    response.on('close', () => {
      if (!ended) state.droppedEarly++;
    });
    const start = () => {
      if (response.destroyed) return;
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        ...(answer.contentLength ? { 'content-length': String(answer.bytes) } : {}),
      });
      let left = Math.min(answer.bytes, answer.stallAfter ?? answer.bytes);
      const filled = answer.fill === undefined ? undefined : filledBody(answer.fill, left);
      const pump = () => {
        while (left > 0 && !response.destroyed) {
          const chunk = filled
            ? filled.subarray(filled.length - left, filled.length - left + Math.min(left, CHUNK.length))
            : left >= CHUNK.length
              ? CHUNK
              : CHUNK.subarray(0, left);
          left -= chunk.length;
          state.bytesWritten += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        if (left === 0 && answer.stallAfter === undefined) {
          ended = true;
          response.end();
        }
      };
      pump();
    };
    if (answer.delayHeadersMs) setTimeout(start, answer.delayHeadersMs);
    else start();
  });
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get bytesWritten() {
      return state.bytesWritten;
    },
    get droppedEarly() {
      return state.droppedEarly;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
