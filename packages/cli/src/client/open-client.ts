import { createHvcClient, type HvcClient } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import type { Connection } from '../config/connection.js';
import { debugInterceptor } from './debug-interceptor.js';

/** A typed client for the connection's server, asking `token` before every call. */
export function openClient(
  connection: Connection,
  token: () => Promise<string>,
  debug: ((line: string) => void) | undefined,
): HvcClient {
  return createHvcClient(
    createNodeTransport({
      baseUrl: connection.server,
      protocol: connection.protocol,
      token,
      interceptors: debug === undefined ? [] : [debugInterceptor(debug)],
    }),
  );
}
