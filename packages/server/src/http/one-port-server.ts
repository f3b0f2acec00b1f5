import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2Session,
  constants as http2Constants,
} from 'node:http2';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rememberSessionAddress } from './client-address.js';
import type { NodeRequest, NodeResponse } from './node-http.js';
import { replayedSocket } from './replayed-socket.js';

/** What one port serves: a Node request handler for HTTP/1.1 and HTTP/2 alike. */
export type RequestListener = (req: NodeRequest, res: NodeResponse) => void;

/** Takes an HTTP/1.1 upgrade request (a WebSocket); false when it is not one it serves. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** TLS material, PEM encoded. */
export interface TlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

/** Where and how to listen. */
export interface OnePortOptions {
  readonly host: string;
  readonly port: number;
  /** With TLS, ALPN picks HTTP/2 or HTTP/1.1; without, the first bytes of each connection decide. */
  readonly tls?: TlsOptions;
  /** Slow clients: the longest wait for a request's headers (default 20 s) and for the whole request (60 s), ms. */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Streams one HTTP/2 connection may have open at once (default 100); the client is told, and more are refused. */
  readonly maxConcurrentStreams?: number;
  /** Connections open at once (default 4,096); more are closed as they arrive. */
  readonly maxConnections?: number;
  /** Largest request header block, bytes (default 16 KiB). */
  readonly maxHeaderBytes?: number;
  /** How long a connection may stay open with no request in flight, ms (default 30 s). */
  readonly idleTimeoutMs?: number;
  /**
   * HTTP/1.1 upgrade requests (WebSockets), on the plaintext listener and over TLS alike; one it does not take is
   * answered 404. Without it, upgrade requests are left to Node's defaults.
   */
  readonly upgrade?: UpgradeListener;
}

/** The defaults of {@link OnePortOptions}' limits. */
export const CONNECTION_LIMIT_DEFAULTS = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  maxConcurrentStreams: 100,
  maxConnections: 4_096,
  maxHeaderBytes: 16 * 1024,
  idleTimeoutMs: 30_000,
} as const;

/** A listening server. */
export interface OnePortServer {
  /** The base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Calls in flight. */
  inFlight(): number;
  /**
   * Stops accepting connections and waits up to `drainMs` for the calls in flight, then closes every connection.
   * `onDrainTimeout` runs when calls are still running at the deadline (to abort them).
   */
  close(drainMs?: number, onDrainTimeout?: () => void): Promise<void>;
}

/** The options that were given, without the keys set to undefined (so they do not hide defaults). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Closes `session` (GOAWAY, then the socket) once it has had no stream open for `idleMs`. */
function closeWhenIdle(session: Http2Session, idleMs: number): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      session.close();
      // A peer that ignores GOAWAY and keeps the socket open is cut off after one more idle period.
      setTimeout(() => session.destroy(), idleMs).unref();
    }, idleMs);
    timer.unref();
  };
  session.on('stream', (stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0 && !session.closed) arm();
    });
  });
  session.once('close', () => clearTimeout(timer));
  arm();
}

/** Hands an upgrade request to `upgrade`; answers 404 to one it does not take. */
function upgradeOrRefuse(upgrade: UpgradeListener) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!upgrade(req, socket, head)) {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  };
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Serves `listener` on one port: gRPC (HTTP/2), gRPC-Web and Connect (HTTP/1.1 or HTTP/2). With TLS,
 * `http2.createSecureServer` with `allowHTTP1` negotiates by ALPN. In plaintext (loopback, or behind a proxy that
 * terminates TLS) nothing negotiates, so each connection's first bytes are read: the HTTP/2 preface goes to the
 * h2c server, anything else to the HTTP/1.1 server.
 *
 * Every connection is bounded: a TLS handshake or a first request that does not arrive within the headers timeout,
 * a request whose body is not complete within the request timeout (HTTP/1.1 and HTTP/2 streams alike) and an
 * HTTP/2 connection with no stream open for the idle timeout are closed.
 */
export async function listenOnePort(
  listener: RequestListener,
  options: OnePortOptions,
): Promise<OnePortServer> {
  const limits = { ...CONNECTION_LIMIT_DEFAULTS, ...definedOnly(options) };
  const headersTimeout = limits.headersTimeoutMs;
  const requestTimeout = limits.requestTimeoutMs;
  let inFlight = 0;
  const counted: RequestListener = (req, res) => {
    inFlight++;
    // HTTP/1.1 has its own request timeout; an HTTP/2 stream whose body never ends is cancelled here.
    const halfSent =
      'stream' in req
        ? setTimeout(() => {
            if (!req.stream.destroyed && !req.stream.state.remoteClose)
              req.stream.close(http2Constants.NGHTTP2_CANCEL);
          }, requestTimeout)
        : undefined;
    halfSent?.unref();
    res.once('close', () => {
      inFlight--;
      clearTimeout(halfSent);
    });
    listener(req, res);
  };
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  // The plaintext path hands each HTTP/2 connection over synchronously; its address is noted here meanwhile.
  let handingOver: string | undefined;
  const track = (session: Http2Session) => {
    rememberSessionAddress(session, session.socket?.remoteAddress ?? handingOver);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    closeWhenIdle(session, limits.idleTimeoutMs);
  };
  const h2Settings = {
    maxConcurrentStreams: limits.maxConcurrentStreams,
    maxHeaderListSize: limits.maxHeaderBytes,
  };

  let server: Server;
  let h1: ReturnType<typeof createHttpServer> | undefined;
  if (options.tls) {
    const secure = createSecureServer(
      {
        key: options.tls.key,
        cert: options.tls.cert,
        allowHTTP1: true,
        settings: h2Settings,
        handshakeTimeout: headersTimeout,
      },
      counted,
    );
    // HTTP/1.1 over TLS: the same timeouts as in plaintext (Node applies them to the connections it hands over).
    Object.assign(secure, { headersTimeout, requestTimeout, maxHeaderSize: limits.maxHeaderBytes });
    secure.on('session', track);
    if (options.upgrade) secure.on('upgrade', upgradeOrRefuse(options.upgrade));
    server = secure;
  } else {
    h1 = createHttpServer(
      {
        headersTimeout,
        requestTimeout,
        connectionsCheckingInterval: Math.min(headersTimeout, 1_000),
        maxHeaderSize: limits.maxHeaderBytes,
      },
      counted,
    );
    if (options.upgrade) h1.on('upgrade', upgradeOrRefuse(options.upgrade));
    const h2 = createH2cServer({ settings: h2Settings }, counted);
    h2.on('session', track);
    server = createNetServer((socket) => {
      let buffered = Buffer.alloc(0);
      // A client that connects and sends nothing is dropped like one that never finishes its headers.
      socket.setTimeout(headersTimeout, () => socket.destroy());
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const n = Math.min(buffered.length, PREFACE.length);
        const h2Prefix = buffered.subarray(0, n).equals(PREFACE.subarray(0, n));
        if (h2Prefix && buffered.length < PREFACE.length) return;
        socket.off('data', onData);
        socket.setTimeout(0);
        if (h2Prefix) {
          handingOver = socket.remoteAddress;
          h2.emit('connection', replayedSocket(socket, buffered));
          handingOver = undefined;
          return;
        }
        socket.pause();
        socket.unshift(buffered);
        h1!.emit('connection', socket);
        socket.resume();
      };
      socket.on('data', onData);
    });
  }
  server.maxConnections = limits.maxConnections;
  server.on('connection', (socket: Socket) => {
    // Small RPC frames must leave at once: Nagle's algorithm would hold them until the peer's delayed ACK.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Connections are handed to the HTTP/1.1 server by hand, so it never listens itself; Node starts its periodic
  // check of headersTimeout and requestTimeout on 'listening', without which slow clients are never cut off.
  h1?.emit('listening');
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    inFlight: () => inFlight,
    async close(drainMs = 10_000, onDrainTimeout) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      h1?.closeIdleConnections();
      const deadline = Date.now() + drainMs;
      while (inFlight > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        h1?.closeIdleConnections();
      }
      if (inFlight > 0) onDrainTimeout?.();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      h1?.close();
      await closed;
    },
  };
}
