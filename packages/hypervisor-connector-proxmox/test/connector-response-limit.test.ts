import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { createProxmoxConnector, type ProxmoxConfigInput } from '../src/index.js';
import {
  type StreamingAnswer,
  type StreamingHttpsServer,
  startStreamingHttpsServer,
} from './support/streaming-https-server.js';

// The response-size cap over a real loopback HTTPS socket: a 400 MB answer generated as the socket drains.

const MiB = 1024 * 1024;
const HUGE = 400 * MiB;
const TOKEN = { tokenId: 'root@pam!hvc', secret: 'token-secret-77c1' };
const RESOURCES = [{ id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve1', name: 'web', status: 'stopped' }];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Peak growth of memory over the baseline taken when it is made, sampled by `sample()`. */
function memoryPeaks() {
  const base = process.memoryUsage();
  const peaks = { heapAndBuffers: 0, rss: 0 };
  return {
    peaks,
    sample() {
      const now = process.memoryUsage();
      const heapAndBuffers = now.heapUsed + now.arrayBuffers - (base.heapUsed + base.arrayBuffers);
      peaks.heapAndBuffers = Math.max(peaks.heapAndBuffers, heapAndBuffers);
      peaks.rss = Math.max(peaks.rss, now.rss - base.rss);
    },
  };
}

async function serve(
  answer: (request: string) => StreamingAnswer,
  onChunk?: () => void,
): Promise<StreamingHttpsServer> {
  const server = await startStreamingHttpsServer(answer, onChunk);
  cleanups.push(() => server.close());
  return server;
}

function connect(server: StreamingHttpsServer, extra: Partial<ProxmoxConfigInput> = {}) {
  const connector = createProxmoxConnector({
    endpoints: [server.url],
    credentials: TOKEN,
    tls: { fingerprint: server.fingerprint },
    ...extra,
  });
  cleanups.push(() => connector.close());
  return connector;
}

describe('the response-size cap', () => {
  it('fails a 400 MB answer with INTERNAL at the default 32 MiB, drops the connection, and stays within 64 MiB of memory', async () => {
    let memory: ReturnType<typeof memoryPeaks> | undefined;
    const server = await serve(
      (request) => (request.startsWith('GET /api2/json/nodes') ? { bytes: HUGE } : { json: { data: [] } }),
      () => memory?.sample(),
    );
    const connector = connect(server, { readAttempts: 1 });
    await connector.listGuests(); // warm: the connection, TLS session and modules are in place before the baseline
    memory = memoryPeaks();
    const sampler = setInterval(() => memory?.sample(), 5);
    const error = await rejection(connector.listNodes());
    clearInterval(sampler);
    memory.sample();

    expect(isHypervisorError(error, 'INTERNAL')).toBe(true);
    expect(error).toMatchObject({
      retryable: false,
      mayHaveBeenApplied: false,
      details: { reason: 'response-too-large', limitBytes: 32 * MiB },
    });
    expect((error as Error).message).toBe(
      "PVE's answer to GET /nodes exceeded the response limit of 33554432 bytes (maxResponseBytes); the connection was dropped",
    );
    expect(JSON.stringify(error)).not.toContain(TOKEN.secret);
    await vi.waitFor(() => expect(server.droppedEarly).toBe(1));
    // The server stops generating once the socket is gone: the cap plus what socket buffers held, not 400 MB.
    expect(server.bytesWritten).toBeLessThan(64 * MiB);
    // Heap plus Buffer memory (where the body's chunks live) at its peak while the body streamed, over the baseline.
    console.info(
      `400 MB answer, 32 MiB cap: ${(server.bytesWritten / MiB).toFixed(1)} MiB written; peak growth heap+arrayBuffers ${(memory.peaks.heapAndBuffers / MiB).toFixed(1)} MiB, rss ${(memory.peaks.rss / MiB).toFixed(1)} MiB`,
    );
    expect(memory.peaks.heapAndBuffers).toBeLessThan(64 * MiB);
  });

  it('applies a configured limit, never retries the read, and reads the next answer on a fresh connection', async () => {
    let huge = true;
    const server = await serve((request) =>
      request.startsWith('GET /api2/json/nodes') && huge
        ? { bytes: HUGE }
        : request.startsWith('GET /api2/json/nodes')
          ? { json: { data: [{ node: 'pve1', status: 'online' }] } }
          : { json: { data: [] } },
    );
    const connector = connect(server, { maxResponseBytes: 256 * 1024, readAttempts: 3 });
    const error = await rejection(connector.listNodes());
    expect(error).toMatchObject({ code: 'INTERNAL', details: { limitBytes: 256 * 1024 } });
    expect((error as Error).message).toContain('262144 bytes');
    expect(server.requests.filter((r) => r.startsWith('GET /api2/json/nodes'))).toHaveLength(1);
    huge = false;
    expect((await connector.listNodes()).map((node) => node.name)).toEqual(['pve1']);
  });

  it('marks a write stopped by the cap as maybe applied', async () => {
    const server = await serve((request) => {
      if (request.startsWith('POST ')) return { bytes: HUGE };
      if (request.startsWith('GET /api2/json/cluster/resources')) return { json: { data: RESOURCES } };
      if (request.includes('/tasks')) return { json: { data: [] } };
      return { json: { data: { vmid: 100, status: 'stopped' } } };
    });
    const connector = connect(server, { maxResponseBytes: 1 * MiB });
    const error = await rejection(connector.startGuest('qemu/100'));
    expect(error).toMatchObject({ code: 'INTERNAL', mayHaveBeenApplied: true, retryable: false });
    expect((error as Error).message).toMatch(
      /^PVE's answer to POST \/nodes\/pve1\/qemu\/100\/status\/start exceeded the response limit of 1048576 bytes .*may or may not have been made$/,
    );
    expect(server.requests.filter((r) => r.startsWith('POST '))).toHaveLength(1);
  });

  it("keeps the status of a failure whose body is endless, and reads only the error body's limit", async () => {
    const server = await serve((request) =>
      request.startsWith('GET /api2/json/nodes') ? { bytes: HUGE, status: 500 } : { json: { data: [] } },
    );
    const error = await rejection(connect(server, { readAttempts: 1 }).listNodes());
    // A 500 with an unreadable body: mapped from the status (its first 64 KiB are not a PVE error body).
    expect(isHypervisorError(error)).toBe(true);
    expect((error as { details?: Record<string, unknown> }).details?.reason).not.toBe('response-too-large');
    await vi.waitFor(() => expect(server.droppedEarly).toBe(1));
    expect(server.bytesWritten).toBeLessThan(64 * MiB);
  });

  it('refuses a limit outside 64 KiB .. 256 MiB with INVALID_ARGUMENT', async () => {
    const server = await serve(() => ({ json: { data: [] } }));
    for (const maxResponseBytes of [1000, 256 * MiB + 1, 1.5]) {
      expect(() => connect(server, { maxResponseBytes })).toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          message: expect.stringContaining('maxResponseBytes'),
        }),
      );
    }
  });
});
