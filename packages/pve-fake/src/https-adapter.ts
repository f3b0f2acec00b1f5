import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { getResponse, type RequestHandler } from 'msw';
import type { ConsoleSession } from './console/console-listeners.js';
import type { FakeCertificate } from './tls-certificate.js';
import { answerWebsocketUpgrade } from './websocket-upgrade.js';

/** Socket counters of a listening fake. */
export interface ConnectionStats {
  /** Sockets open now. */
  readonly active: number;
  /** Most sockets open at once. */
  readonly peak: number;
  /** Sockets accepted in total. */
  readonly total: number;
}

/** A listening HTTPS server around msw handlers. */
export interface HttpsAdapter {
  readonly origin: string;
  readonly connections: ConnectionStats;
  close(): Promise<void>;
}

/** The envelope of a `vncwebsocket` answer. */
interface ProxyAnswer {
  readonly data?: { readonly port?: unknown };
}

function toRequest(
  req: IncomingMessage,
  origin: string,
  body: Buffer | undefined,
  signal: AbortSignal,
): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method,
    headers,
    body: body && body.length > 0 ? new Uint8Array(body) : undefined,
    signal,
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function writePlainError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, message, { connection: 'close', 'content-type': 'text/plain;charset=UTF-8' });
  res.end(message);
}

/**
 * Serves msw handlers over a real loopback HTTPS socket: every request becomes a fetch `Request`,
 * msw's `getResponse` answers it, the answer is written back with its reason phrase.
 * `Response.error()` resets the connection; a request whose client goes away is aborted. A websocket upgrade is
 * answered as the API call answers (`websocket-upgrade.ts`), then handed to the console proxy listening on the port
 * the call answered (`consoleAt`).
 */
export async function listenHttps(
  certificate: FakeCertificate,
  host: string,
  port: number,
  handlersFor: (origin: string) => RequestHandler[],
  consoleAt: (port: number) => ConsoleSession | undefined,
): Promise<HttpsAdapter> {
  let handlers: RequestHandler[] = [];
  let origin = '';
  const stats = { active: 0, peak: 0, total: 0 };
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, async (req, res) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      if (req.headers['transfer-encoding']?.includes('chunked')) {
        writePlainError(res, 501, 'chunked transfer encoding not supported');
        return;
      }
      const body = await readBody(req);
      const request = toRequest(
        req,
        origin,
        req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        abort.signal,
      );
      if ((req.method === 'GET' || req.method === 'HEAD') && body.length > 0) {
        writePlainError(res, 501, `Unexpected content for method '${req.method}'`);
        return;
      }
      const response = await getResponse(handlers, request);
      if (!response || response.type === 'error') {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        headers[k] = v;
      });
      let payload = Buffer.from(await response.arrayBuffer());
      // pveproxy gzips bodies over 1 KiB when the client accepts gzip; clients must cope with that.
      if (payload.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        payload = gzipSync(payload);
        headers['content-encoding'] = 'gzip';
      }
      headers['content-length'] = String(payload.length);
      res.writeHead(response.status, response.statusText, headers);
      res.end(payload);
    } catch {
      if (!res.headersSent) writePlainError(res, 500, 'internal fake error');
      else res.destroy();
    }
  });
  const upgraded = new Set<Duplex>();
  server.on('upgrade', async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      if (head.length > 0) socket.unshift(head);
      const response = await getResponse(
        handlers,
        toRequest(req, origin, undefined, new AbortController().signal),
      );
      const answered = response?.type === 'error' ? undefined : response;
      // The port the call answered (vncwebsocket returns `{port}`), which pveproxy connects to.
      const port =
        answered?.status === 200
          ? Number(((await answered.clone().json()) as ProxyAnswer).data?.port)
          : Number.NaN;
      if (answerWebsocketUpgrade(req, socket, answered, () => consoleAt(port))) {
        upgraded.add(socket);
        socket.once('close', () => upgraded.delete(socket));
      }
    } catch {
      socket.destroy();
    }
  });
  server.on('secureConnection', (socket) => {
    stats.active++;
    stats.total++;
    stats.peak = Math.max(stats.peak, stats.active);
    socket.once('close', () => {
      stats.active--;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  origin = `https://${hostPart}:${addr.port}`;
  handlers = handlersFor(origin);
  return {
    origin,
    connections: {
      get active() {
        return stats.active;
      },
      get peak() {
        return stats.peak;
      },
      get total() {
        return stats.total;
      },
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }),
  };
}
