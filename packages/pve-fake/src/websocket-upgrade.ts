import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConsoleSession } from './console/console-listeners.js';

/** RFC 6455's key suffix for `Sec-WebSocket-Accept`. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Answers a websocket upgrade the way pveproxy does (pve-http-server `src/PVE/APIServer/AnyEvent.pm`
 * `handle_request` and `websocket_proxy`): only a GET of a path ending in `websocket`, with `Upgrade: websocket`,
 * version 13 and a key, is upgraded, and only when the API call itself answered 200; otherwise the call's status
 * goes back and the connection closes. Then pveproxy connects to the proxy's port (`connect`, given the port the
 * call answered): nobody listening there drops the connection without an answer; else the 101 goes out and the
 * proxy's session takes the socket over. Returns whether the socket was upgraded.
 */
export function answerWebsocketUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  response: { readonly status: number; readonly statusText: string } | undefined,
  connect: () => ConsoleSession | undefined,
): boolean {
  const key = req.headers['sec-websocket-key'];
  const upgradable =
    req.method === 'GET' &&
    /websocket$/.test(new URL(req.url ?? '/', 'https://fake').pathname) &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    req.headers['sec-websocket-version'] === '13' &&
    typeof key === 'string' &&
    key !== '';
  socket.on('error', () => socket.destroy());
  if (upgradable && response?.status === 200) {
    const session = connect();
    if (session === undefined) {
      socket.destroy();
      return false;
    }
    const accept = createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    session(socket);
    return true;
  }
  const status = upgradable ? (response?.status ?? 501) : 400;
  const reason = upgradable ? (response?.statusText ?? 'no such uri') : 'unable to upgrade';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  return false;
}
