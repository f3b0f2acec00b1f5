import type { Interceptor, Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { bearerToken, type TokenSource } from './hvc-client.js';

/** How a browser (or any `fetch` runtime) reaches hvc-server. */
export interface WebTransportOptions {
  /** The server's URL, e.g. `https://hvc.example`. */
  readonly baseUrl: string;
  /** The bearer token (an OIDC access token or a service token), or where to get it before each call. */
  readonly token?: TokenSource;
  /** `connect` (JSON, the default) or `grpc-web` (binary). */
  readonly protocol?: 'connect' | 'grpc-web';
  /** Interceptors run after the token is set. */
  readonly interceptors?: readonly Interceptor[];
  /** The `fetch` to use; the global one by default. */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * A transport over `fetch`: Connect (JSON) or gRPC-Web, for browsers, Deno, Bun and Node. For gRPC over HTTP/2 from
 * Node, use `createNodeTransport` from `@hvc/client/node`.
 */
export function createWebTransport(options: WebTransportOptions): Transport {
  const interceptors = [
    ...(options.token === undefined ? [] : [bearerToken(options.token)]),
    ...(options.interceptors ?? []),
  ];
  const common = {
    baseUrl: options.baseUrl,
    interceptors,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
  return options.protocol === 'grpc-web'
    ? createGrpcWebTransport(common)
    : createConnectTransport({ ...common, useBinaryFormat: false });
}
