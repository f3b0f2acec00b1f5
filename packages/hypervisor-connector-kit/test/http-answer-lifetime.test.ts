import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { createUndiciTransport, type Endpoint, EndpointSet } from '../src/http/index.js';
import { startStreamingServer } from './support/streaming-servers.js';

const MiB = 1024 * 1024;
const BODY_BYTES = 2 * MiB;
const CALLS = 8;

setFlagsFromString('--expose-gc');
/** V8's own collector, minor (a scavenge of the young generation) or major (a full mark-compact). */
const collect = runInNewContext('gc') as (options: { type: 'minor' | 'major'; execution: 'sync' }) => void;

/** Bytes held in V8's old-generation large-object space, where a promoted body string goes. */
function oldLargeObjectBytes(): number {
  const space = getHeapSpaceStatistics().find((entry) => entry.space_name === 'large_object_space');
  if (space === undefined) throw new Error('V8 reports no large_object_space');
  return space.space_used_size;
}

describe('the undici transport, once an answer is settled', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('keeps no body alive for the young-generation collector, signal or not', async () => {
    const server = await startStreamingServer({ status: 200, bytes: BODY_BYTES, contentLength: true });
    const set = new EndpointSet([{ url: server.url, tls: {} }], { connections: 1, connectTimeoutMs: 2_000 });
    cleanups.push(
      () => server.close(),
      () => set.close(100),
    );
    const endpoint = set.order()[0] as Endpoint;
    const transport = createUndiciTransport();
    const call = async (signal?: AbortSignal) => {
      const response = await transport.send(endpoint, {
        method: 'GET',
        path: '/api2/json/cluster/resources',
        headers: { accept: 'application/json' },
        timeoutMs: 10_000,
        maxResponseBytes: 4 * MiB,
        ...(signal === undefined ? {} : { signal }),
      });
      return response.body.length;
    };
    await call(new AbortController().signal);
    collect({ type: 'major', execution: 'sync' });
    const before = oldLargeObjectBytes();
    let read = 0;
    for (let i = 0; i < CALLS; i++)
      read += await call(i % 2 === 0 ? new AbortController().signal : undefined);
    expect(read).toBe(CALLS * BODY_BYTES);
    // A body still reachable now is promoted into the old generation's large-object space; a dead one is freed.
    collect({ type: 'minor', execution: 'sync' });
    expect(oldLargeObjectBytes() - before).toBeLessThan(BODY_BYTES);
  });
});
