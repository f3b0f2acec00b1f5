import { X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { generate } from 'selfsigned';

/** A loopback server with a self-signed certificate for 127.0.0.1. */
export interface LoopbackTlsServer {
  readonly url: string;
  readonly fingerprint: string;
  /** The certificate (PEM), usable as a CA. */
  readonly cert: string;
  /** Application bytes received from clients. */
  readonly bytesReceived: number;
  /** Requests answered (HTTPS servers only). */
  readonly requests: number;
  close(): Promise<void>;
}

async function certificate(): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function listen(
  server: Server,
  pems: { cert: string },
  state: { bytesReceived: number; requests: number },
) {
  const open = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: new X509Certificate(pems.cert).fingerprint256,
    cert: pems.cert,
    get bytesReceived() {
      return state.bytesReceived;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An HTTPS server on 127.0.0.1 that answers every request `200 ok`. */
export async function startHttpsServer(): Promise<LoopbackTlsServer> {
  const pems = await certificate();
  const state = { bytesReceived: 0, requests: 0 };
  const server = createHttpsServer(pems, (_request, response) => {
    state.requests++;
    response.end('ok');
  });
  return listen(server, pems, state);
}

/** A TLS server on 127.0.0.1 that answers nothing and counts the bytes clients send after the handshake. */
export async function startSilentTlsServer(): Promise<LoopbackTlsServer> {
  const pems = await certificate();
  const state = { bytesReceived: 0, requests: 0 };
  const server = createTlsServer(pems, (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      state.bytesReceived += chunk.length;
    });
  });
  return listen(server, pems, state);
}

/** A loopback port nothing listens on: connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const server = createTlsServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
