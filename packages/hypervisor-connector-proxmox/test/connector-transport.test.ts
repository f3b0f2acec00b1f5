import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer } from 'node:net';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import {
  createProxmoxConnector,
  PROXMOX_DIAGNOSTICS_CHANNELS,
  type ProxmoxConfigInput,
} from '../src/index.js';
import {
  type HttpsTestServer,
  type SeenRequest,
  startHttpsTestServer,
  startRawTlsServer,
  type TestHandler,
} from './support/https-test-server.js';

const TOKEN = { tokenId: 'root@pam!hvc', secret: 'token-secret-5f1d' };
const NODES = [{ node: 'pve1', status: 'online', maxcpu: 4, maxmem: 8 << 30, mem: 1 << 30 }];
const RESOURCES = [{ id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve1', name: 'web', status: 'stopped' }];
const UPID = 'UPID:pve1:00001234:00005678:65000000:qmstart:100:root@pam!hvc:';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: TestHandler): Promise<HttpsTestServer> {
  const server = await startHttpsTestServer(handler);
  cleanups.push(() => server.close());
  return server;
}

function connect(
  server: { url: string; fingerprint: string },
  extra: Partial<ProxmoxConfigInput> = {},
  now?: () => number,
) {
  const connector = createProxmoxConnector(
    {
      endpoints: [server.url],
      credentials: TOKEN,
      tls: { fingerprint: server.fingerprint },
      readAttempts: 3,
      ...extra,
    },
    now ? { now } : {},
  );
  cleanups.push(() => connector.close());
  return connector;
}

const basic = (request: SeenRequest): readonly [number, unknown] | undefined => {
  const path = request.path.replace(/^\/api2\/json/, '').split('?')[0];
  if (path === '/nodes') return [200, { data: NODES }];
  if (path === '/cluster/resources') return [200, { data: RESOURCES }];
  if (path === '/version') return [200, { data: { version: '9.1.1', release: '9.1', repoid: 'abc' } }];
  if (path?.endsWith('/tasks')) return [200, { data: [] }];
  if (path?.endsWith('/status/current')) return [200, { data: { vmid: 100, status: 'stopped' } }];
  return undefined;
};

const count = (server: HttpsTestServer, method: string, fragment: string) =>
  server.requests.filter((r) => r.method === method && r.path.includes(fragment)).length;

describe('TLS fingerprint pinning', () => {
  it('accepts the pinned certificate', async () => {
    const server = await serve((r) => basic(r) ?? [404, null]);
    const nodes = await connect(server).listNodes();
    expect(nodes.map((n) => n.name)).toEqual(['pve1']);
  });

  it('refuses a certificate with another fingerprint before sending a single byte', async () => {
    const tls = await startRawTlsServer();
    cleanups.push(() => tls.close());
    const wrong = `${tls.fingerprint.slice(0, -2)}${tls.fingerprint.endsWith('00') ? '11' : '00'}`;
    const connector = connect({ url: tls.url, fingerprint: wrong });
    const error = await rejection(connector.listNodes());
    expect(isHypervisorError(error, 'UNAVAILABLE')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details.reason).toBe('tls-fingerprint-mismatch');
    expect((error as Error).message).not.toContain(TOKEN.secret);
    expect(tls.handshakes).toBeGreaterThan(0);
    expect(tls.bytesReceived).toBe(0);
    // Control: with the right pin the same server does receive the request (and never answers).
    const pinned = connect(tls, { timeouts: { requestMs: 300 }, readAttempts: 1 });
    expect(isHypervisorError(await rejection(pinned.listNodes()), 'TIMEOUT')).toBe(true);
    expect(tls.bytesReceived).toBeGreaterThan(0);
  });

  it('refuses a self-signed certificate without a pin or CA', async () => {
    const server = await serve((r) => basic(r) ?? [404, null]);
    const connector = createProxmoxConnector({ endpoints: [server.url], credentials: TOKEN });
    cleanups.push(() => connector.close());
    const error = await rejection(connector.listNodes());
    expect(isHypervisorError(error, 'UNAVAILABLE')).toBe(true);
    expect(server.requests).toHaveLength(0);
  });
});

describe('retries and failover', () => {
  it('retries a read after 595 and after a reset', async () => {
    let failures = 0;
    const server = await serve((request) => {
      if (request.path.includes('/nodes') && failures < 2) {
        failures++;
        return failures === 1 ? [595, null, 'Connection refused'] : 'reset';
      }
      return basic(request) ?? [404, null];
    });
    const nodes = await connect(server).listNodes();
    expect(nodes).toHaveLength(1);
    expect(count(server, 'GET', '/nodes')).toBe(3);
  });

  it('never re-sends a write after a reset or a 595: UNAVAILABLE', async () => {
    for (const fault of ['reset', 595] as const) {
      const server = await serve((request) => {
        if (request.method === 'POST') return fault === 'reset' ? 'reset' : [595, null, 'Connection refused'];
        return basic(request) ?? [404, null];
      });
      const error = await rejection(connect(server).startGuest('qemu/100'));
      expect(isHypervisorError(error, 'UNAVAILABLE'), String(fault)).toBe(true);
      // A reset after the request went out leaves its fate unknown; a 595 is pveproxy's own answer.
      expect(error).toMatchObject({ mayHaveBeenApplied: fault === 'reset', retryable: fault !== 'reset' });
      expect(count(server, 'POST', '/status/start')).toBe(1);
    }
  });

  it('fails over to the next endpoint when one refuses connections, even for a write', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const server = await serve((request) => {
      if (request.method === 'POST') return [200, { data: UPID }];
      return basic(request) ?? [404, null];
    });
    const connector = connect(server, { endpoints: [`https://127.0.0.1:${port}`, server.url] });
    const operation = await connector.startGuest('qemu/100');
    expect(operation).toMatchObject({ type: 'start', guestId: 'qemu/100', status: 'running' });
    expect(count(server, 'POST', '/status/start')).toBe(1);
  });

  it("sends guest calls to the guest's own node", async () => {
    const answer: TestHandler = (request) => {
      if (request.path.includes('/cluster/resources')) {
        return [200, { data: [{ ...RESOURCES[0], id: 'qemu/200', vmid: 200, node: 'pve2' }] }];
      }
      if (request.method === 'POST') return [200, { data: UPID.replace('pve1', 'pve2') }];
      return basic(request) ?? [404, null];
    };
    const one = await serve(answer);
    const two = await serve(answer);
    const connector = connect(one, {
      endpoints: [
        { url: one.url, node: 'pve1', fingerprint: one.fingerprint },
        { url: two.url, node: 'pve2', fingerprint: two.fingerprint },
      ],
      tls: {},
    });
    await connector.startGuest('qemu/200');
    expect(count(two, 'POST', '/nodes/pve2/qemu/200/status/start')).toBe(1);
    expect(count(one, 'POST', '/status/start')).toBe(0);
  });

  it('gives up a read at the request deadline with TIMEOUT', async () => {
    const server = await serve(async (request) => {
      if (request.path.includes('/nodes')) await new Promise((resolve) => setTimeout(resolve, 2_000));
      return basic(request) ?? [404, null];
    });
    const error = await rejection(
      connect(server, { timeouts: { requestMs: 200 }, readAttempts: 1 }).listNodes(),
    );
    expect(isHypervisorError(error, 'TIMEOUT')).toBe(true);
  });
});

describe('concurrency cap', () => {
  it('never has more requests in flight or sockets open than the cap, under 200 concurrent calls', async () => {
    let inFlight = 0;
    let peakInFlight = 0;
    const server = await serve(async (request) => {
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return basic(request) ?? [404, null];
    });
    const connector = connect(server, { concurrency: 3 });
    await Promise.all(Array.from({ length: 200 }, () => connector.listNodes()));
    expect(server.requests).toHaveLength(200);
    expect(peakInFlight).toBeLessThanOrEqual(3);
    expect(server.sockets.peak).toBeLessThanOrEqual(3);
    expect(server.sockets.total).toBeLessThanOrEqual(3);
  });
});

describe('ticket auth', () => {
  function ticketServer() {
    let issued = 0;
    const valid = new Set<string>();
    const state = {
      logins: [] as URLSearchParams[],
      rejectAll: false,
      failNextLogin: false,
    };
    const handler: TestHandler = (request) => {
      const path = request.path.replace(/^\/api2\/json/, '').split('?')[0];
      if (path === '/access/ticket') {
        const form = new URLSearchParams(request.body);
        state.logins.push(form);
        if (state.failNextLogin) {
          state.failNextLogin = false;
          return [595, null, 'Connection refused'];
        }
        const password = form.get('password') ?? '';
        if (password !== 'right-password' && !valid.has(password))
          return [401, { data: null }, 'authentication failure'];
        const ticket = `PVE:root@pam:${(++issued).toString(16).padStart(8, '0')}::sig${issued}`;
        valid.add(ticket);
        return [200, { data: { username: 'root@pam', ticket, CSRFPreventionToken: `csrf-${issued}` } }];
      }
      const cookie = decodeURIComponent(
        /PVEAuthCookie=([^;]+)/.exec(request.headers.cookie ?? '')?.[1] ?? '',
      );
      if (state.rejectAll || !valid.has(cookie)) return [401, undefined, 'No ticket'];
      if (request.method !== 'GET' && request.headers.csrfpreventiontoken !== `csrf-${cookie.slice(-1)}`) {
        return [401, undefined, 'Permission denied - invalid csrf token'];
      }
      if (request.method === 'POST') return [200, { data: UPID }];
      return basic(request) ?? [404, null];
    };
    return { handler, state, expireAll: () => valid.clear() };
  }

  const credentials = { username: 'root@pam', password: 'right-password' };

  it('logs in once for 50 concurrent first calls and sends the CSRF token on writes', async () => {
    const fake = ticketServer();
    const server = await serve(fake.handler);
    const connector = connect(server, { credentials });
    await Promise.all(Array.from({ length: 50 }, () => connector.listNodes()));
    expect(fake.state.logins).toHaveLength(1);
    await connector.startGuest('qemu/100');
    expect(fake.state.logins).toHaveLength(1);
  });

  it('renews the ticket before it expires, with the ticket as the password', async () => {
    const fake = ticketServer();
    const server = await serve(fake.handler);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const connector = connect(server, { credentials, ticketRenewAfterMs: 60 * 60_000 }, () => now);
    await connector.listNodes();
    now += 61 * 60_000;
    await Promise.all(Array.from({ length: 10 }, () => connector.listNodes()));
    expect(fake.state.logins).toHaveLength(2);
    expect(fake.state.logins[1]?.get('password')).toMatch(/^PVE:root@pam:/);
    expect(server.requests.filter((r) => r.path.includes('/nodes'))).toHaveLength(11);
  });

  it('keeps using a valid ticket when a renewal fails for a transient reason, and renews a minute later', async () => {
    const fake = ticketServer();
    const server = await serve(fake.handler);
    let now = Date.parse('2026-01-01T00:00:00Z');
    const connector = connect(server, { credentials, ticketRenewAfterMs: 60 * 60_000 }, () => now);
    await connector.listNodes();
    now += 61 * 60_000;
    fake.state.failNextLogin = true;
    await connector.listNodes();
    expect(fake.state.logins).toHaveLength(2);
    now += 30_000;
    await connector.listNodes();
    expect(fake.state.logins).toHaveLength(2);
    now += 31_000;
    await connector.listNodes();
    expect(fake.state.logins).toHaveLength(3);
    expect(fake.state.logins[2]?.get('password')).toMatch(/^PVE:root@pam:/);
  });

  it('logs in again once after a 401 and retries, with a single login for 50 concurrent calls', async () => {
    const fake = ticketServer();
    const server = await serve(fake.handler);
    const connector = connect(server, { credentials });
    await connector.listNodes();
    fake.expireAll();
    await Promise.all(Array.from({ length: 50 }, () => connector.listNodes()));
    expect(fake.state.logins).toHaveLength(2);
    await connector.startGuest('qemu/100');
  });

  it('fails with UNAUTHENTICATED without retrying forever, and never puts the password in the error', async () => {
    const fake = ticketServer();
    const server = await serve(fake.handler);
    const connector = connect(server, { credentials: { username: 'root@pam', password: 'wrong-password' } });
    const error = await rejection(connector.listNodes());
    expect(isHypervisorError(error, 'UNAUTHENTICATED')).toBe(true);
    expect(JSON.stringify(error)).not.toContain('wrong-password');
    expect((error as Error).message).not.toContain('wrong-password');
    fake.state.rejectAll = true;
    const ok = connect(server, { credentials });
    expect(isHypervisorError(await rejection(ok.listNodes()), 'UNAUTHENTICATED')).toBe(true);
    expect(fake.state.logins.length).toBeLessThanOrEqual(3);
  });
});

describe('logger', () => {
  it('logs requests, retries and failovers without secrets', async () => {
    let failures = 0;
    const server = await serve((request) => {
      if (request.path.includes('/nodes') && failures++ === 0) return [595, null, 'Connection refused'];
      return basic(request) ?? [404, null];
    });
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      debug: (fields: Record<string, unknown>, message: string) =>
        lines.push({ level: 'debug', fields, message }),
      warn: (fields: Record<string, unknown>, message: string) =>
        lines.push({ level: 'warn', fields, message }),
    };
    const connector = createProxmoxConnector(
      { endpoints: [server.url], credentials: TOKEN, tls: { fingerprint: server.fingerprint } },
      { logger },
    );
    cleanups.push(() => connector.close());
    await connector.listNodes();
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'debug PVE request failed',
      'warn retrying a PVE read after a transient error',
      'debug PVE request',
    ]);
    expect(lines[2]?.fields).toMatchObject({ method: 'GET', path: '/nodes', status: 200, attempt: 2 });
    expect(JSON.stringify(lines)).not.toContain(TOKEN.secret);
  });
});

describe('diagnostics channels', () => {
  it('publishes requests and responses without secrets', async () => {
    const server = await serve((request) =>
      request.method === 'POST' ? [200, { data: UPID }] : (basic(request) ?? [404, null]),
    );
    const messages: unknown[] = [];
    const listener = (message: unknown) => messages.push(message);
    for (const name of Object.values(PROXMOX_DIAGNOSTICS_CHANNELS))
      diagnosticsChannel.subscribe(name, listener);
    cleanups.push(() => {
      for (const name of Object.values(PROXMOX_DIAGNOSTICS_CHANNELS))
        diagnosticsChannel.unsubscribe(name, listener);
    });
    const connector = connect(server);
    await connector.listNodes();
    await connector.raw('POST', '/nodes/pve1/qemu', {
      vmid: 123,
      password: 'guest-root-pw',
      cipassword: 'x1',
    });
    const text = JSON.stringify(messages);
    expect(messages.length).toBeGreaterThanOrEqual(4);
    expect(text).toContain('"path":"/nodes"');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(TOKEN.secret);
    expect(text).not.toContain('guest-root-pw');
  });
});
