import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { createPveFake, type PveFake } from '@hvc/pve-fake';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { createProxmoxConnector, type ProxmoxConfigInput, ProxmoxConfigSchema } from '../src/index.js';

// The connector over a fetch transport, answered in-process by msw: a test's own handlers first, the PVE fake's
// handlers for the rest. No socket is opened (pve.test does not resolve).

const ORIGIN = 'https://pve.test:8006';
const API = `${ORIGIN}/api2/json`;
const MiB = 1024 * 1024;
const packageDir = join(import.meta.dirname, '..');

let fake: PveFake;
const msw = setupServer();
beforeAll(() => {
  fake = createPveFake({ guests: { qemu: 2, lxc: 1 }, taskDurationMs: 10 });
  msw.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => msw.resetHandlers());
afterAll(async () => {
  msw.close();
  await fake.close();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connect(extra: Partial<ProxmoxConfigInput> = {}) {
  const connector = createProxmoxConnector({
    endpoints: [ORIGIN],
    credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
    transport: 'fetch',
    ...extra,
  });
  cleanups.push(() => connector.close());
  return connector;
}

const seenByFake = (path: string) => fake.requests.filter((request) => request.path === path).length;

describe('TESTING.md', () => {
  it("runs the example of a user's msw handler beside the fake's, with the connector on the fetch transport", async () => {
    const testing = await readFile(join(packageDir, '..', 'pve-fake', 'TESTING.md'), 'utf8');
    const example = [...testing.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((code) => code.includes("transport: 'fetch'"));
    expect(example).toBeDefined();
    // Written inside the package so that its imports resolve; removed afterwards.
    const file = join(packageDir, 'test', `.testing-example-${process.pid}.ts`);
    await writeFile(file, example ?? '');
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@hvc/source', '--import', 'tsx', file],
        { cwd: packageDir, timeout: 30_000 },
      );
      expect(stdout.trim().split('\n')).toEqual(['8.0.4 1 3', 'false']);
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('the fetch transport under msw', () => {
  it("lets a test's handler answer one route and the fake the rest", async () => {
    msw.use(
      http.get(`${API}/nodes`, () =>
        HttpResponse.json({ data: [{ node: 'from-the-test', status: 'online', maxcpu: 2 }] }),
      ),
      ...fake.handlers,
    );
    const before = { nodes: seenByFake('/nodes'), list: seenByFake('/cluster/resources') };
    const connector = connect();
    expect((await connector.listNodes()).map((node) => node.name)).toEqual(['from-the-test']);
    expect(seenByFake('/nodes')).toBe(before.nodes);
    expect(await connector.listGuests()).toHaveLength(3);
    expect(seenByFake('/cluster/resources')).toBeGreaterThan(before.list);
  });

  it('calls a fetch function of its own, and a write through it runs a task on the fake', async () => {
    msw.use(...fake.handlers);
    const sent: string[] = [];
    const connector = connect({
      transport: {
        fetch: (input, init) => {
          sent.push(`${init.method} ${new URL(input).pathname}`);
          return fetch(input, init);
        },
      },
    });
    const operation = await connector.startGuest('qemu/101');
    const done = await connector.waitForOperation(operation.id);
    expect(done.status).toBe('succeeded');
    expect(sent).toContain('POST /api2/json/nodes/pve1/qemu/101/status/start');
    expect(fake.guest(101)?.status).toBe('running');
  });

  it('maps PVE failures as the undici transport does', async () => {
    msw.use(
      http.get(
        `${API}/nodes`,
        () => new HttpResponse(null, { status: 500, statusText: "can't lock file '/var/lock/x'" }),
      ),
      http.get(
        `${API}/cluster/resources`,
        () => new HttpResponse(null, { status: 403, statusText: 'Permission check failed (/, Sys.Audit)' }),
      ),
      ...fake.handlers,
    );
    const connector = connect({ readAttempts: 1 });
    expect(isHypervisorError(await rejection(connector.listNodes()), 'CONFLICT')).toBe(true);
    const denied = await rejection(connector.listGuests());
    expect(isHypervisorError(denied, 'PERMISSION_DENIED')).toBe(true);
  });

  it('retries a read after a network error, and never re-sends a write', async () => {
    let nodes = 0;
    let starts = 0;
    msw.use(
      http.get(`${API}/nodes`, () => {
        nodes++;
        return nodes === 1
          ? HttpResponse.error()
          : HttpResponse.json({ data: [{ node: 'pve1', status: 'online' }] });
      }),
      http.post(`${API}/nodes/pve1/qemu/100/status/start`, () => {
        starts++;
        return HttpResponse.error();
      }),
      ...fake.handlers,
    );
    const connector = connect();
    expect((await connector.listNodes()).map((node) => node.name)).toEqual(['pve1']);
    expect(nodes).toBe(2);
    const error = await rejection(connector.startGuest('qemu/100'));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', mayHaveBeenApplied: true, retryable: false });
    expect(starts).toBe(1);
  });

  it('gives up at the request deadline with TIMEOUT, and stops at an abort with CANCELLED', async () => {
    msw.use(
      http.get(`${API}/nodes`, async () => {
        await delay('infinite');
        return HttpResponse.json({ data: [] });
      }),
    );
    const slow = connect({ timeouts: { requestMs: 200, connectMs: 1_000 }, readAttempts: 1 });
    const timedOut = await rejection(slow.listNodes());
    expect(isHypervisorError(timedOut, 'TIMEOUT')).toBe(true);
    expect((timedOut as Error).message).toContain('within 200 ms');

    const controller = new AbortController();
    const pending = rejection(connect().listNodes({ signal: controller.signal }));
    controller.abort();
    expect(isHypervisorError(await pending, 'CANCELLED')).toBe(true);
  });

  it('fails an endless answer at maxResponseBytes with INTERNAL, and cancels its stream there', async () => {
    let generated = 0;
    msw.use(
      http.get(`${API}/nodes`, () => {
        const chunk = new Uint8Array(64 * 1024).fill(32);
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            generated += chunk.byteLength;
            controller.enqueue(chunk);
          },
        });
        return new HttpResponse(body, { status: 200, headers: { 'content-type': 'application/json' } });
      }),
    );
    const error = await rejection(connect({ maxResponseBytes: MiB, readAttempts: 1 }).listNodes());
    expect(error).toMatchObject({
      code: 'INTERNAL',
      retryable: false,
      details: { reason: 'response-too-large', limitBytes: MiB },
    });
    expect((error as Error).message).toContain('GET /nodes exceeded the response limit of 1048576 bytes');
    // Reading stopped at the limit: the stream was pulled only as far as its queue allows past it.
    expect(generated).toBeLessThan(4 * MiB);
  });
});

describe('the transport option', () => {
  const base = { endpoints: [ORIGIN], credentials: { tokenId: 'root@pam!hvc', secret: 's' } };
  const PIN = `${'AB:'.repeat(31)}AB`;
  const refusal = (config: unknown) => {
    try {
      createProxmoxConnector(config as ProxmoxConfigInput).close();
    } catch (error) {
      return error;
    }
    throw new Error('expected the config to be refused');
  };

  it('is undici unless chosen', () => {
    expect(ProxmoxConfigSchema.parse(base).transport).toBe('undici');
  });

  it('refuses TLS settings with a fetch transport, naming the field', () => {
    for (const config of [
      { ...base, transport: 'fetch', tls: { fingerprint: PIN } },
      { ...base, transport: 'fetch', tls: { insecure: true } },
      { ...base, endpoints: [{ url: ORIGIN, fingerprint: PIN }], transport: { fetch } },
    ]) {
      const error = refusal(config);
      expect(isHypervisorError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/transport.*undici transport only/s);
    }
  });

  it('refuses what is not a transport', () => {
    for (const transport of ['http2', { fetch: 'fetch' }, { fetch, extra: 1 }]) {
      const error = refusal({ ...base, transport });
      expect(isHypervisorError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toContain('transport');
    }
  });
});
