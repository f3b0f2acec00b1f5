import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { generateCertificate } from '@hvc/pve-fake';

/** One request the test server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A body sent as it is, not as JSON. */
export class RawBody {
  constructor(readonly text: string) {}
}

/**
 * A handler: return `[status, body, reason?]` (the body sent as JSON, or a {@link RawBody} as it is), or `'reset'` to
 * destroy the socket without an answer.
 */
export type TestHandler = (
  request: SeenRequest,
) => Promise<readonly [number, unknown, string?] | 'reset'> | readonly [number, unknown, string?] | 'reset';

/** A small loopback HTTPS server with a self-signed certificate, for transport tests. */
export interface HttpsTestServer {
  readonly url: string;
  readonly fingerprint: string;
  readonly requests: SeenRequest[];
  /** Sockets open now, the most ever open at once, and all accepted. */
  readonly sockets: { active: number; peak: number; total: number };
  close(): Promise<void>;
}

/** Starts an HTTPS test server on 127.0.0.1 answering with `handler`. */
export async function startHttpsTestServer(handler: TestHandler): Promise<HttpsTestServer> {
  const pems = await generateCertificate('127.0.0.1');
  const requests: SeenRequest[] = [];
  const sockets = { active: 0, peak: 0, total: 0 };
  const open = new Set<Socket>();
  const server = createServer(
    { key: pems.key, cert: pems.cert },
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const seen = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        requests.push(seen);
        const answer = await handler(seen);
        if (answer === 'reset') {
          req.socket.destroy();
          return;
        }
        const [status, body, reason] = answer;
        const text = body === undefined ? '' : body instanceof RawBody ? body.text : JSON.stringify(body);
        res.writeHead(status, reason ?? '', { 'content-type': 'application/json;charset=UTF-8' });
        res.end(text);
      });
    },
  );
  server.on('secureConnection', (socket) => {
    sockets.active++;
    sockets.total++;
    sockets.peak = Math.max(sockets.peak, sockets.active);
    open.add(socket);
    socket.on('close', () => {
      sockets.active--;
      open.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: pems.fingerprint,
    requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TLS server that answers nothing, counts TCP connections and every application byte a client sends. */
export async function startRawTlsServer(): Promise<{
  url: string;
  fingerprint: string;
  /** TCP connections accepted. */
  handshakes: number;
  bytesReceived: number;
  close(): Promise<void>;
}> {
  const pems = await generateCertificate('127.0.0.1');
  const state = { handshakes: 0, bytesReceived: 0 };
  const open = new Set<Socket>();
  const server = createTlsServer({ key: pems.key, cert: pems.cert }, (socket) => {
    open.add(socket);
    socket.on('data', (chunk: Buffer) => {
      state.bytesReceived += chunk.length;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => open.delete(socket));
  });
  server.on('connection', () => {
    state.handshakes++;
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: pems.fingerprint,
    get handshakes() {
      return state.handshakes;
    },
    get bytesReceived() {
      return state.bytesReceived;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
