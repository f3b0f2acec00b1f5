import type { IncomingHttpHeaders } from 'node:http';

const GRPC_UNITS_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/**
 * Lowers a client's deadline (`grpc-timeout` for gRPC and gRPC-Web, `connect-timeout-ms` for Connect) to `maxMs`
 * when it asks for more, so no call holds the server longer than that. Malformed values are left for the protocol
 * handler to refuse.
 */
export function clampDeadline(headers: IncomingHttpHeaders, maxMs: number): void {
  const grpc = headers['grpc-timeout'];
  if (typeof grpc === 'string') {
    const match = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    if (match && Number(match[1]) * GRPC_UNITS_MS[match[2]!]! > maxMs) headers['grpc-timeout'] = `${maxMs}m`;
  }
  const connect = headers['connect-timeout-ms'];
  if (typeof connect === 'string' && /^\d{1,10}$/.test(connect) && Number(connect) > maxMs) {
    headers['connect-timeout-ms'] = String(maxMs);
  }
}
