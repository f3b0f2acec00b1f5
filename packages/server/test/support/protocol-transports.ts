import type { Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';

/**
 * The protocol matrix of the API's tests: a client transport per protocol the one port serves — gRPC over h2c,
 * gRPC-Web and Connect over HTTP/1.1 — for a server at `baseUrl`.
 */
export const TRANSPORTS: Readonly<Record<string, (baseUrl: string) => Transport>> = {
  grpc: (baseUrl) => createGrpcTransport({ baseUrl }),
  'grpc-web': (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: '1.1' }),
  connect: (baseUrl) => createConnectTransport({ baseUrl, httpVersion: '1.1' }),
};
