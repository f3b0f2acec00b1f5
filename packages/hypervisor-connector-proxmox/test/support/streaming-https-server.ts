import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generateCertificate } from '@hvc/pve-fake';

/** What the server answers to one request: small JSON, or a generated body of `bytes` streamed as it drains. */
export type StreamingAnswer =
  | { readonly json: unknown; readonly status?: number }
  | { readonly bytes: number; readonly status?: number };

/** A loopback HTTPS server that can answer with a body far larger than memory, generated as the socket drains. */
export interface StreamingHttpsServer {
  readonly url: string;
  readonly fingerprint: string;
  /** Requests seen, as `METHOD path`. */
  readonly requests: string[];
  /** Generated body bytes handed to sockets so far. */
  readonly bytesWritten: number;
  /** Generated answers whose connection the client closed before the body ended. */
  readonly droppedEarly: number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, ' ');

/**
 * Starts the server; `answer` maps `METHOD path` to an answer; `onChunk` runs after each 64 KiB chunk written (to
 * sample memory while the body streams).
 */
export async function startStreamingHttpsServer(
  answer: (request: string) => StreamingAnswer,
  onChunk: () => void = () => undefined,
): Promise<StreamingHttpsServer> {
  const pems = await generateCertificate('127.0.0.1');
  const state = { bytesWritten: 0, droppedEarly: 0 };
  const requests: string[] = [];
  const open = new Set<Socket>();
  const server = createServer(
    { key: pems.key, cert: pems.cert },
    (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const seen = `${req.method} ${req.url}`;
      requests.push(seen);
      const reply = answer(seen);
      if ('json' in reply) {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.json));
        return;
      }
      let ended = false;
      res.on('close', () => {
        if (!ended) state.droppedEarly++;
      });
      // A `{"data":"   …` prefix: the answer is JSON-shaped, only never-ending.
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.write('{"data":"');
      let left = reply.bytes;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= chunk.length;
          state.bytesWritten += chunk.length;
          const more = res.write(chunk);
          onChunk();
          if (!more) {
            res.once('drain', pump);
            return;
          }
        }
        if (left === 0) {
          ended = true;
          res.end('"}');
        }
      };
      pump();
    },
  );
  server.on('secureConnection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: pems.fingerprint,
    requests,
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
