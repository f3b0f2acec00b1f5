import { afterEach, describe, expect, it } from 'vitest';
import { type Endpoint, EndpointSet, transportFailure } from '../src/http/index.js';
import { refusedPort, startHttpsServer } from './support/tls-servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function endpointSet(urls: readonly (string | { url: string; node: string })[], now = Date.now): EndpointSet {
  const set = new EndpointSet(
    urls.map((entry) =>
      typeof entry === 'string'
        ? { url: entry, tls: { insecure: true } }
        : { ...entry, tls: { insecure: true } },
    ),
    { connections: 2, connectTimeoutMs: 2_000, now },
  );
  cleanups.push(() => set.close(100));
  return set;
}

const get = async (endpoint: Endpoint) =>
  (await endpoint.pool.request({ path: '/', method: 'GET' })).body.text();

describe('EndpointSet', () => {
  it('fails over from a refused port to the next endpoint and keeps the refusing one at the back', async () => {
    const server = await startHttpsServer();
    cleanups.push(() => server.close());
    const refused = `https://127.0.0.1:${await refusedPort()}`;
    const set = endpointSet([refused, server.url]);
    const failovers: string[] = [];
    const tried: string[] = [];
    const answer = await set.failover(
      undefined,
      (endpoint) => {
        tried.push(endpoint.url);
        return get(endpoint);
      },
      { onFailover: (endpoint, error) => failovers.push(`${endpoint.url} ${transportFailure(error).code}`) },
    );
    expect(answer).toBe('ok');
    expect(tried).toEqual([refused, server.url]);
    expect(failovers).toEqual([`${refused} ECONNREFUSED`]);
    expect(set.order().map((endpoint) => endpoint.url)).toEqual([server.url, refused]);
    expect(server.requests).toBe(1);
  });

  it('throws the last endpoint failure, and never fails over after a failure that may have sent the request', async () => {
    const set = endpointSet([
      `https://127.0.0.1:${await refusedPort()}`,
      `https://127.0.0.1:${await refusedPort()}`,
    ]);
    const last = await set.failover(undefined, get).catch((error: unknown) => error);
    expect(transportFailure(last)).toMatchObject({
      kind: 'connect',
      code: 'ECONNREFUSED',
      nothingSent: true,
    });

    const calls: string[] = [];
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const error = await set
      .failover(undefined, async (endpoint) => {
        calls.push(endpoint.url);
        throw reset;
      })
      .catch((thrown: unknown) => thrown);
    expect(error).toBe(reset);
    expect(calls).toHaveLength(1);
    expect(transportFailure(reset)).toMatchObject({ kind: 'connection', nothingSent: false });
  });

  it("puts the call's node first, healthy endpoints before those recently down, for as long as they are down", () => {
    let now = 1_000_000;
    const set = endpointSet(
      [
        { url: 'https://10.0.0.1:8006', node: 'one' },
        { url: 'https://10.0.0.2:8006', node: 'two' },
        { url: 'https://10.0.0.3:8006', node: 'three' },
      ],
      () => now,
    );
    const urls = (node?: string) => set.order(node).map((endpoint) => endpoint.node);
    expect(urls()).toEqual(['one', 'two', 'three']);
    expect(urls('three')).toEqual(['three', 'one', 'two']);
    set.markDown(set.order('one')[0]!);
    expect(urls()).toEqual(['two', 'three', 'one']);
    expect(urls('one')).toEqual(['two', 'three', 'one']);
    now += 10_001;
    expect(urls('one')).toEqual(['one', 'two', 'three']);
  });

  it('learns which node an endpoint is from node names and addresses', () => {
    const set = endpointSet([
      'https://10.0.0.1:8006',
      'https://pve2.example.com:8006',
      'https://[fd00::3]:8006',
    ]);
    expect(set.needsNodeNames).toBe(true);
    set.learnNodes([
      { name: 'pve1', ip: '10.0.0.1' },
      { name: 'pve2', ip: '10.0.0.2' },
      { name: 'pve3', ip: 'fd00::3' },
    ]);
    expect(set.order().map((endpoint) => endpoint.node)).toEqual(['pve1', 'pve2', 'pve3']);
    expect(set.needsNodeNames).toBe(false);
    expect(endpointSet(['https://10.0.0.1:8006']).needsNodeNames).toBe(false);
  });

  it('needs an endpoint', () => {
    expect(() => new EndpointSet([], { connections: 1, connectTimeoutMs: 1_000 })).toThrow(RangeError);
  });
});
