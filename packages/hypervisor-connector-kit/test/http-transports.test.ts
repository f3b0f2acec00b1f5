import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createFetchTransport,
  createUndiciTransport,
  type Endpoint,
  EndpointSet,
  type HttpTransport,
  type HttpTransportRequest,
  ResponseTooLargeError,
  transportFailure,
} from '../src/http/index.js';
import { rejection } from './support/rejection.js';
import {
  type StreamedAnswer,
  type StreamingServer,
  startStreamingServer,
} from './support/streaming-servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MiB = 1024 * 1024;
const HUGE = 400 * MiB;

async function serve(answer: StreamedAnswer): Promise<{ server: StreamingServer; endpoint: Endpoint }> {
  const server = await startStreamingServer(answer);
  const set = new EndpointSet([{ url: server.url, tls: {} }], { connections: 2, connectTimeoutMs: 2_000 });
  cleanups.push(() => server.close());
  cleanups.push(() => set.close(100));
  return { server, endpoint: set.order()[0] as Endpoint };
}

function request(overrides: Partial<HttpTransportRequest> = {}): HttpTransportRequest {
  return {
    method: 'GET',
    path: '/api2/json/version',
    headers: { accept: 'application/json' },
    timeoutMs: 10_000,
    maxResponseBytes: MiB,
    ...overrides,
  };
}

const TRANSPORTS: readonly [string, () => HttpTransport][] = [
  ['undici', createUndiciTransport],
  ['fetch', () => createFetchTransport((input, init) => fetch(input, init))],
];

describe.each(TRANSPORTS)('the %s transport', (kind, create) => {
  const transport = create();

  it('says what it is and reads a whole answer within its limit', async () => {
    expect(transport.kind).toBe(kind);
    const { endpoint } = await serve({ status: 200, bytes: 200_000 });
    const response = await transport.send(endpoint, request());
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(200_000);
    expect(response.body).toMatch(/^x+$/);
  });

  it('reads a body of exactly the limit', async () => {
    const { endpoint } = await serve({ status: 200, bytes: MiB, contentLength: true });
    expect((await transport.send(endpoint, request())).body).toHaveLength(MiB);
  });

  it('fails a streamed 2xx body once it passes the limit, and drops the connection there', async () => {
    const { server, endpoint } = await serve({ status: 200, bytes: HUGE });
    const error = await rejection(transport.send(endpoint, request()));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ limitBytes: MiB, code: 'HVC_RESPONSE_TOO_LARGE' });
    expect(transportFailure(error)).toMatchObject({ kind: 'too-large', nothingSent: false });
    await vi.waitFor(() => expect(server.droppedEarly).toBe(1));
    // The server stopped writing when the socket went: the limit plus what the socket buffers held, not 400 MB.
    expect(server.bytesWritten).toBeLessThan(MiB + 32 * MiB);
  });

  it('fails a declared content-length over the limit and drops the connection', async () => {
    const { server, endpoint } = await serve({ status: 200, bytes: HUGE, contentLength: true });
    const error = await rejection(transport.send(endpoint, request()));
    expect(transportFailure(error).kind).toBe('too-large');
    await vi.waitFor(() => expect(server.droppedEarly).toBe(1));
    expect(server.bytesWritten).toBeLessThan(MiB + 32 * MiB);
  });

  it("cuts a failure's body at the error-body limit and keeps the status", async () => {
    const { server, endpoint } = await serve({ status: 500, bytes: HUGE });
    const response = await transport.send(endpoint, request({ maxErrorBodyBytes: 1000 }));
    expect(response.status).toBe(500);
    expect(response.body).toBe('x'.repeat(1000));
    await vi.waitFor(() => expect(server.droppedEarly).toBe(1));
    const byDefault = await transport.send(endpoint, request());
    expect(byDefault.body).toHaveLength(64 * 1024);
  });

  it('keeps a body that stalls past the deadline from hanging the call', async () => {
    const { endpoint } = await serve({ status: 200, bytes: HUGE, stallAfter: 1000 });
    const error = await rejection(transport.send(endpoint, request({ timeoutMs: 150 })));
    expect(transportFailure(error).kind).toBe('deadline');
  });

  it('gives up on headers that do not come within the deadline', async () => {
    const { endpoint } = await serve({ status: 200, bytes: 10, delayHeadersMs: 5_000 });
    const error = await rejection(transport.send(endpoint, request({ timeoutMs: 150 })));
    expect(transportFailure(error).kind).toBe('deadline');
  });

  it("stops at the caller's abort", async () => {
    const { server, endpoint } = await serve({ status: 200, bytes: HUGE, stallAfter: 1000 });
    const controller = new AbortController();
    const pending = rejection(transport.send(endpoint, request({ signal: controller.signal })));
    await vi.waitFor(() => expect(server.bytesWritten).toBe(1000));
    controller.abort(new Error('caller gave up'));
    expect(await pending).toBeDefined();
    await vi.waitFor(() => expect(server.droppedEarly).toBe(1));
  });

  it('sends nothing for a signal aborted before the call, and throws its reason', async () => {
    const { server, endpoint } = await serve({ status: 200, bytes: 10 });
    const reason = new Error('caller gave up first');
    const error = await rejection(transport.send(endpoint, request({ signal: AbortSignal.abort(reason) })));
    expect(error).toBe(reason);
    expect(server.bytesWritten).toBe(0);
  });

  it('keeps a multi-byte character whole across chunks, and takes no abort listener with it', async () => {
    // 3-byte characters over 64 KiB writes: some are split between chunks.
    const { endpoint } = await serve({ status: 200, bytes: 3 * 70_000, fill: '€' });
    const controller = new AbortController();
    const response = await transport.send(endpoint, request({ signal: controller.signal }));
    expect(response.body).toBe('€'.repeat(70_000));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("hands a 2xx body's bytes, whole, to parseBody and answers with what it made of them", async () => {
    // Several chunks, with 3-byte characters split between some of them.
    const { endpoint } = await serve({ status: 200, bytes: 3 * 70_000, fill: '€' });
    const seen: number[] = [];
    const response = await transport.send(
      endpoint,
      request({
        parseBody: (bytes) => {
          seen.push(bytes.byteLength);
          return bytes.toString('utf8');
        },
      }),
    );
    expect(seen).toEqual([3 * 70_000]);
    expect(response).toMatchObject({ status: 200, body: '' });
    expect(response.parsed).toBe('€'.repeat(70_000));
  });

  it("keeps a failure's body as text, unread by parseBody", async () => {
    const { endpoint } = await serve({ status: 500, bytes: 100, fill: 'e' });
    const parseBody = vi.fn(() => 'parsed');
    const response = await transport.send(endpoint, request({ parseBody }));
    expect(parseBody).not.toHaveBeenCalled();
    expect(response.body).toBe('e'.repeat(100));
    expect(response.parsed).toBeUndefined();
  });

  it('fails the send with what parseBody throws, and takes no abort listener with it', async () => {
    const { endpoint } = await serve({ status: 200, bytes: 200_000 });
    const controller = new AbortController();
    const thrown = new SyntaxError('not what was expected');
    const error = await rejection(
      transport.send(
        endpoint,
        request({
          signal: controller.signal,
          parseBody: () => {
            throw thrown;
          },
        }),
      ),
    );
    expect(error).toBe(thrown);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('the fetch transport', () => {
  it('sends the method, headers and body to the endpoint URL, and never follows a redirect', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const transport = createFetchTransport(async (url, init) => {
      seen.push({ url, init });
      return new Response(null, { status: 302, statusText: 'Found', headers: { location: '/elsewhere' } });
    });
    const endpoint = { url: 'https://pve.test:8006' } as Endpoint;
    const response = await transport.send(
      endpoint,
      request({ method: 'POST', path: '/api2/json/x', body: 'a=1', headers: { 'x-test': '1' } }),
    );
    expect(response).toEqual({ status: 302, statusText: 'Found', body: '' });
    expect(seen[0]?.url).toBe('https://pve.test:8006/api2/json/x');
    expect(seen[0]?.init).toMatchObject({
      method: 'POST',
      body: 'a=1',
      headers: { 'x-test': '1' },
      redirect: 'manual',
    });
  });

  it('ends the wait at the deadline even when the fetch function ignores its signal', async () => {
    const transport = createFetchTransport(() => new Promise<Response>(() => undefined));
    const error = await rejection(
      transport.send({ url: 'https://pve.test:8006' } as Endpoint, request({ timeoutMs: 100 })),
    );
    expect(transportFailure(error)).toMatchObject({ kind: 'deadline', code: 'HVC_HTTP_DEADLINE' });
  });

  it('counts a body after decompression, not its encoded length', async () => {
    const { gzipSync } = await import('node:zlib');
    const packed = gzipSync(Buffer.alloc(4 * MiB, 'x'));
    const transport = createFetchTransport(async () => {
      const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
      return new Response(stream, { status: 200, headers: { 'content-length': String(packed.length) } });
    });
    const error = await rejection(transport.send({ url: 'https://pve.test:8006' } as Endpoint, request()));
    expect(transportFailure(error).kind).toBe('too-large');
  });
});
