import type { Interceptor, Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { bearerToken, type TokenSource } from './hvc-client.js';

/** How a Node process reaches hvc-server. */
export interface NodeTransportOptions {
  /** The server's URL, e.g. `https://hvc.example` or `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** The bearer token, or where to get it before each call. */
  readonly token?: TokenSource;
  /** `grpc` (HTTP/2, the default), `connect` (JSON over HTTP/1.1) or `grpc-web`. */
  readonly protocol?: 'grpc' | 'connect' | 'grpc-web';
  /** Interceptors run after the token is set. */
  readonly interceptors?: readonly Interceptor[];
  /** Trusted CAs (PEM) for a server whose certificate the system does not trust. */
  readonly ca?: string | readonly string[];
}

/**
 * A Node transport: gRPC over HTTP/2 (h2c for `http://` URLs), Connect JSON or gRPC-Web over HTTP/1.1. The HTTP/2
 * session is kept and shared by the calls of this transport.
 */
export function createNodeTransport(options: NodeTransportOptions): Transport {
  const interceptors = [
    ...(options.token === undefined ? [] : [bearerToken(options.token)]),
    ...(options.interceptors ?? []),
  ];
  const tls =
    options.ca === undefined ? {} : { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] };
  const protocol = options.protocol ?? 'grpc';
  if (protocol === 'grpc') {
    return createGrpcTransport({ baseUrl: options.baseUrl, interceptors, nodeOptions: tls });
  }
  const common = { baseUrl: options.baseUrl, interceptors, httpVersion: '1.1' as const, nodeOptions: tls };
  return protocol === 'grpc-web'
    ? createGrpcWebTransport(common)
    : createConnectTransport({ ...common, useBinaryFormat: false });
}
