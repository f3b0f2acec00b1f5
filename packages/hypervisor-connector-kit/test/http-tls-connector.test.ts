import { afterEach, describe, expect, it } from 'vitest';
import { EndpointSet, transportFailure } from '../src/http/index.js';
import { FingerprintMismatchError, type TlsTrust } from '../src/index.js';
import { type LoopbackTlsServer, startHttpsServer, startSilentTlsServer } from './support/tls-servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(server: Promise<LoopbackTlsServer>): Promise<LoopbackTlsServer> {
  const running = await server;
  cleanups.push(() => running.close());
  return running;
}

/** What `promise` rejects with; it must reject. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );

/** A GET of `/` on `server` through one pool whose sockets trust it as `trust` says. */
async function get(server: LoopbackTlsServer, trust: TlsTrust, requestTimeoutMs = 5_000): Promise<string> {
  const endpoints = new EndpointSet([{ url: server.url, tls: trust }], {
    connections: 1,
    connectTimeoutMs: 2_000,
  });
  cleanups.push(() => endpoints.close(100));
  const [endpoint] = endpoints.order();
  const response = await endpoint!.pool.request({
    path: '/',
    method: 'GET',
    headers: { authorization: 'secret-credential' },
    headersTimeout: requestTimeoutMs,
  });
  return response.body.text();
}

/** `fingerprint` with its last byte changed. */
const other = (fingerprint: string) =>
  `${fingerprint.slice(0, -2)}${fingerprint.endsWith('00') ? '11' : '00'}`;

describe('createTlsConnector, through an endpoint pool', () => {
  it('accepts the pinned certificate, given in any form the schema accepts', async () => {
    const server = await started(startHttpsServer());
    expect(await get(server, { fingerprints: [server.fingerprint] })).toBe('ok');
    const bare = server.fingerprint.replace(/:/g, '').toLowerCase();
    expect(await get(server, { fingerprints: [other(server.fingerprint), bare] })).toBe('ok');
  });

  it('refuses a certificate matching no pin before a single byte is sent', async () => {
    const server = await started(startSilentTlsServer());
    const error = await rejection(get(server, { fingerprints: [other(server.fingerprint)] }));
    expect(error).toBeInstanceOf(FingerprintMismatchError);
    expect((error as FingerprintMismatchError).presented).toBe(server.fingerprint);
    expect(transportFailure(error)).toMatchObject({ kind: 'fingerprint', nothingSent: true });
    expect(server.bytesReceived).toBe(0);
    // Control: with the right pin the same server receives the request (and never answers).
    const timedOut = await rejection(get(server, { fingerprints: [server.fingerprint] }, 200));
    expect(transportFailure(timedOut).kind).toBe('deadline');
    expect(server.bytesReceived).toBeGreaterThan(0);
  });

  it('trusts a CA, refuses a self-signed certificate without one, and accepts anything when insecure', async () => {
    const server = await started(startHttpsServer());
    expect(await get(server, { ca: server.cert })).toBe('ok');
    const untrusted = await rejection(get(server, {}));
    expect(transportFailure(untrusted)).toMatchObject({ kind: 'tls', nothingSent: true });
    expect(server.requests).toBe(1);
    expect(await get(server, { insecure: true })).toBe('ok');
  });
});
