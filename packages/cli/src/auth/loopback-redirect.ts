import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A one-shot HTTP listener on 127.0.0.1 that receives the authorization response (RFC 8252 §7.3). */
export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`. */
  readonly redirectUri: string;
  /** The URL the browser was sent to, query included, once it arrives. */
  readonly callback: Promise<URL>;
  close(): void;
}

const PAGE = (title: string) =>
  `<!doctype html><meta charset="utf-8"><title>hvc</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>You can close this tab and go back to the terminal.</p>`;

/** Listens on a free loopback port for one request to `/callback`; every other path gets 404. */
export async function listenForRedirect(): Promise<LoopbackRedirect> {
  let resolveCallback!: (url: URL) => void;
  const callback = new Promise<URL>((resolve) => {
    resolveCallback = resolve;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const failed = url.searchParams.has('error');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(PAGE(failed ? 'Login failed' : 'Logged in to hvc'));
    resolveCallback(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    callback,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
