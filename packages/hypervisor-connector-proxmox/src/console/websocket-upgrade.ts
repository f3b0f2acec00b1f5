import { createHash, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';

/** RFC 6455's key suffix for `Sec-WebSocket-Accept`. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** How much of a refusal's body is kept for its message. */
const MAX_REFUSAL_BODY = 16 * 1024;

/** A websocket upgrade request on one endpoint's pool. */
export interface WebsocketUpgradeRequest {
  /** The path with its query, e.g. `/api2/json/nodes/pve1/qemu/100/vncwebsocket?port=5900&vncticket=…`. */
  readonly path: string;
  /** Extra headers (the API authentication). */
  readonly headers: Readonly<Record<string, string>>;
  /** Bound on the answer's headers. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** The server answered the upgrade with something other than 101. */
export class WebsocketRefusedError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: string;

  constructor(status: number, reason: string, body: string) {
    super(`the websocket upgrade was refused: HTTP ${status} ${reason}`);
    this.name = 'WebsocketRefusedError';
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

/** What a successful upgrade hands over. */
export interface UpgradedWebsocket {
  readonly socket: Duplex;
}

/**
 * Sends a websocket upgrade (`GET` with `Upgrade: websocket`, version 13 and a fresh key) through an undici
 * dispatcher — the endpoint's pool, so its TLS trust (CA, pinned fingerprint) applies as to every API call — and
 * resolves with the upgraded socket once the answer is 101 with the right `Sec-WebSocket-Accept`. Any other answer
 * rejects with {@link WebsocketRefusedError} (status, reason phrase, the start of the body); transport failures
 * reject with undici's error. undici's own `WebSocket` would hide the refusal's status, which says why.
 */
export function upgradeToWebsocket(
  dispatcher: Dispatcher,
  request: WebsocketUpgradeRequest,
): Promise<UpgradedWebsocket> {
  const key = randomBytes(16).toString('base64');
  const expectedAccept = createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
  const { signal } = request;
  return new Promise<UpgradedWebsocket>((resolve, reject) => {
    let status = 0;
    let reason = '';
    let bodyBytes = 0;
    const body: Buffer[] = [];
    let abortRequest: ((reason?: Error) => void) | undefined;
    let settled = false;
    const onAbort = () =>
      abortRequest?.(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(
      {
        path: request.path,
        method: 'GET',
        headers: { ...request.headers, 'sec-websocket-key': key, 'sec-websocket-version': '13' },
        upgrade: 'websocket',
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      },
      {
        onConnect(abort) {
          abortRequest = abort;
          if (signal?.aborted) onAbort();
        },
        onHeaders(statusCode, _headers, _resume, statusText) {
          status = statusCode;
          reason = statusText;
          return true;
        },
        onData(chunk) {
          if (bodyBytes < MAX_REFUSAL_BODY) body.push(chunk);
          bodyBytes += chunk.length;
          return true;
        },
        onComplete() {
          const text = Buffer.concat(body).subarray(0, MAX_REFUSAL_BODY).toString('utf8');
          settle(() => reject(new WebsocketRefusedError(status, reason, text)));
        },
        onError(error) {
          settle(() => reject(error));
        },
        onUpgrade(_statusCode, rawHeaders, socket) {
          const accept = headerValue(rawHeaders, 'sec-websocket-accept');
          if (accept !== expectedAccept) {
            socket.destroy();
            settle(() =>
              reject(new Error('the server answered the websocket upgrade with a wrong accept key')),
            );
            return;
          }
          settle(() => resolve({ socket }));
        },
      },
    );
  });
}

function headerValue(rawHeaders: readonly (Buffer | string)[] | null, name: string): string | undefined {
  if (!rawHeaders) return undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (String(rawHeaders[i]).toLowerCase() === name) return String(rawHeaders[i + 1]);
  }
  return undefined;
}
