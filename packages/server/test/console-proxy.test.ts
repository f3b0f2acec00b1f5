// The console proxy over real HTTP: OpenConsole mints a single-use ticket, a `ws` client (as noVNC) does the RFB
// 3.8 handshake through the proxy to the memory connector's console; reused, expired, unknown and foreign tickets
// get the same 403, and a viewer cannot mint.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { createHvcClient, createWebTransport, idempotencyKey } from '@hvc/client';
import { createManualClock, type ManualClock } from '@hvc/hypervisor-connector-kit';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createServiceTokenVerifier } from '../src/authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import type { ConsoleProxyOptions } from '../src/console/console-options.js';
import { createHvcHandler, type HvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { generateServiceToken } from '../src/storage/service-token-store.js';
import {
  openDesktop,
  requestUpdate,
  consoleStatus as statusOf,
  viewDesktop,
} from './support/rfb-websocket-viewer.js';

let store: HvcStore;
let server: OnePortServer;
let handler: HvcHandler;
const clock = createManualClock(Date.UTC(2026, 0, 1));
const tokens = {
  operator: generateServiceToken(),
  viewer: generateServiceToken(),
  other: generateServiceToken(),
};

beforeAll(async () => {
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) {
    await store.members.createOrganization({ id: org, displayName: org });
    await store.targets.create({
      id: 'lab',
      organizationId: org,
      displayName: 'Lab',
      kind: 'memory',
      config: { guests: [{ type: 'vm', name: `${org}-web`, state: 'running' }] },
    });
  }
  await store.serviceTokens.put({
    id: 'op',
    organizationId: 'acme',
    role: 'operator',
    token: tokens.operator,
  });
  await store.serviceTokens.put({ id: 'view', organizationId: 'acme', role: 'viewer', token: tokens.viewer });
  await store.serviceTokens.put({
    id: 'gx',
    organizationId: 'globex',
    role: 'operator',
    token: tokens.other,
  });
  handler = handlerWith({ clock, ticketTtlMs: 60_000 });
  server = await listenOnePort(handler, { host: '127.0.0.1', port: 0, upgrade: handler.upgrade });
});

afterAll(async () => {
  await server.close(0);
  await store.close();
});

const client = (token: string, baseUrl = server.url) =>
  createHvcClient(createWebTransport({ baseUrl, token }));

/** The API on the test's store, with these console options. */
function handlerWith(console: ConsoleProxyOptions): HvcHandler {
  return createHvcHandler({
    resolver: createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: (id) => store.targets.descriptor(id),
    }),
    authenticator: createAuthenticator({
      issuers: [],
      serviceTokens: createServiceTokenVerifier(store.serviceTokens),
    }),
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    limits: { accessCacheMs: 0 },
    console,
  });
}

/** Another API server on the same store, with these console options. */
function listenWith(console: ConsoleProxyOptions): Promise<OnePortServer> {
  const other = handlerWith(console);
  return listenOnePort(other, { host: '127.0.0.1', port: 0, upgrade: other.upgrade });
}

async function mint(token = tokens.operator) {
  return client(token).consoles.openConsole({ targetId: 'lab', guestId: 'vm/100', protocol: 'vnc' });
}

describe('the console proxy', () => {
  it('mints a single-use ws URL that reaches the guest’s console through a real RFB handshake', async () => {
    const opened = await mint();
    expect(opened.url).toMatch(
      new RegExp(
        `^ws://127\\.0\\.0\\.1:${server.port}/v1/console/acme/lab/vm%2F100\\?ticket=[A-Za-z0-9_-]{43}$`,
      ),
    );
    expect(opened.protocols).toEqual(['binary']);
    expect(Number(opened.expireTime?.seconds) * 1000).toBe(clock.now() + 60_000);
    expect(await viewDesktop(opened.url)).toEqual({
      name: 'acme-web',
      width: 4,
      height: 3,
      rectangles: 1,
      encoding: 0,
    });
    expect(await statusOf(opened.url)).toBe(403);
    const actions = (await store.audit.list({ organizationId: 'acme' })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['hvc.v1.ConsoleService/OpenConsole', 'console.connect']));
  });

  it('refuses a ticket on another organisation’s path without burning it, and unknown tickets alike', async () => {
    const { url } = await mint();
    const foreign = url.replace('/v1/console/acme/', '/v1/console/globex/');
    expect(await statusOf(foreign)).toBe(403);
    expect(await statusOf(url.replace('/vm%2F100?', '/vm%2F101?'))).toBe(403);
    expect(await statusOf(url.replace(/ticket=.*/, `ticket=${randomBytes(32).toString('base64url')}`))).toBe(
      403,
    );
    expect(await statusOf(url.replace(/\?ticket=.*/, ''))).toBe(403);
    expect((await viewDesktop(url)).name).toBe('acme-web');
    const other = await mint(tokens.other);
    expect(other.url).toContain('/v1/console/globex/lab/');
    expect((await viewDesktop(other.url)).name).toBe('globex-web');
  });

  it('refuses an expired ticket, and purges expired tickets on a later mint', async () => {
    const { url } = await mint();
    await clock.advance(10 * 60_000 + 1);
    expect(await statusOf(url)).toBe(403);
    const before = await store.db.selectFrom('console_tickets').select('token_sha256').execute();
    await mint();
    const after = await store.db.selectFrom('console_tickets').select('token_sha256').execute();
    expect(after.length).toBe(1);
    expect(before.length).toBeGreaterThan(1);
  });

  it('serves the same endpoint on the TLS listener (HTTP/1.1 upgrade through the HTTP/2 server)', async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const tls = await listenOnePort(handler, {
      host: '127.0.0.1',
      port: 0,
      tls: { cert: pems.cert, key: pems.private },
      upgrade: handler.upgrade,
    });
    try {
      const { url } = await mint();
      const wss = url.replace(`ws://127.0.0.1:${server.port}`, `wss://127.0.0.1:${tls.port}`);
      expect((await viewDesktop(wss, { ca: pems.cert })).name).toBe('acme-web');
      expect(await statusOf(wss, { ca: pems.cert })).toBe(403);
    } finally {
      await tls.close(0);
    }
  });

  it('refuses a ticket whose minter lost the operator role', async () => {
    const token = generateServiceToken();
    await store.serviceTokens.put({ id: 'temp', organizationId: 'acme', role: 'operator', token });
    const { url } = await mint(token);
    await store.serviceTokens.put({ id: 'temp', organizationId: 'acme', role: 'viewer', token });
    expect(await statusOf(url)).toBe(403);
  });

  it('refuses a page of an origin outside the allow-list before looking at its ticket', async () => {
    const listener = await listenWith({ clock, allowedOrigins: ['https://portal.example'] });
    try {
      const { url } = await mint();
      const there = url.replace(`:${server.port}/`, `:${listener.port}/`);
      expect(await statusOf(there, { origin: 'https://evil.example' })).toBe(403);
      expect(await statusOf(there)).toBe(403);
      expect((await viewDesktop(there, { origin: 'https://portal.example' })).name).toBe('acme-web');
    } finally {
      await listener.close(0);
    }
  });

  it('keeps no answer under an idempotency key: a retried OpenConsole mints another ticket', async () => {
    const options = idempotencyKey(randomBytes(16).toString('hex'));
    const call = () =>
      client(tokens.operator).consoles.openConsole(
        { targetId: 'lab', guestId: 'vm/100', protocol: 'vnc' },
        options,
      );
    const [first, second] = [await call(), await call()];
    expect(first.url).not.toBe(second.url);
    expect(await store.db.selectFrom('idempotency_keys').selectAll().execute()).toEqual([]);
  });

  it('lets no viewer mint, answers 404 to other upgrade paths', async () => {
    const error = await mint(tokens.viewer).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.PermissionDenied });
    expect(await statusOf(server.url.replace('http:', 'ws:') + '/v1/elsewhere')).toBe(404);
  });
});

describe('console limits', () => {
  let limited: OnePortServer;
  let limitedClock: ManualClock;
  beforeAll(async () => {
    limitedClock = createManualClock(Date.UTC(2026, 0, 1));
    limited = await listenWith({
      clock: limitedClock,
      maxSessions: 2,
      maxSessionsPerOrganization: 1,
      idleTimeoutMs: 30_000,
      maxSessionMs: 45_000,
    });
  });
  afterAll(async () => {
    await limited.close(0);
  });

  const open = (token: string) =>
    client(token, limited.url).consoles.openConsole({ targetId: 'lab', guestId: 'vm/100', protocol: 'vnc' });
  const refusal = (token: string) =>
    open(token).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
  /** Mints a ticket once the organisation has a session free again (the proxy frees it as the console ends). */
  async function openWhenFree(token: string) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const error = await refusal(token);
      if (error === undefined) return;
      expect(error.code).toBe(Code.ResourceExhausted);
      await sleep(10);
    }
    throw new Error('no console session became free');
  }

  it('caps an organisation and the replica, refusing at OpenConsole and at the upgrade without burning the ticket', async () => {
    const [first, spare] = [await open(tokens.operator), await open(tokens.operator)];
    const held = await openDesktop(first.url);
    // acme is at its cap: no ticket is minted, and a ticket minted before gets 503 and stays usable.
    const full = await refusal(tokens.operator);
    expect(full?.code).toBe(Code.ResourceExhausted);
    expect(await statusOf(spare.url)).toBe(503);
    // globex has its own count, and takes the replica's last session.
    const other = await openDesktop((await open(tokens.other)).url);
    expect(other.name).toBe('globex-web');
    // The replica is full now: globex hears the same words acme heard, nothing about acme's consoles.
    const replicaFull = await refusal(tokens.other);
    expect(replicaFull?.code).toBe(Code.ResourceExhausted);
    expect(replicaFull?.rawMessage).toBe(full?.rawMessage);
    expect(full?.rawMessage).not.toMatch(/\d|acme|globex/);

    other.socket.close();
    held.socket.close();
    await Promise.all([once(other.socket, 'close'), once(held.socket, 'close')]);
    await openWhenFree(tokens.operator);
    expect((await viewDesktop(spare.url)).name).toBe('acme-web');
    expect(await statusOf(spare.url)).toBe(403);
  });

  it('frees the session of a handshake the WebSocket server refuses', async () => {
    await openWhenFree(tokens.operator);
    const { url } = await open(tokens.operator);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const upgrade = request(url.replace(/^ws:/, 'http:'), {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '99',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      upgrade.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      upgrade.on('upgrade', () => reject(new Error('upgraded')));
      upgrade.on('error', reject);
      upgrade.end();
    });
    expect(status).toBe(400);
    await openWhenFree(tokens.operator);
    expect((await viewDesktop((await open(tokens.operator)).url)).name).toBe('acme-web');
  });

  it('closes an idle console with code 4000, and one open too long with 4001 however busy', async () => {
    await openWhenFree(tokens.operator);
    const idle = await openDesktop((await open(tokens.operator)).url);
    const idleClosed = once(idle.socket, 'close');
    await limitedClock.advance(30_000);
    const [idleCode, idleReason] = (await idleClosed) as [number, Buffer];
    expect([idleCode, idleReason.toString()]).toEqual([4000, 'console idle timeout']);

    await openWhenFree(tokens.operator);
    const busy = await openDesktop((await open(tokens.operator)).url);
    const busyClosed = once(busy.socket, 'close');
    await limitedClock.advance(20_000);
    await requestUpdate(busy, busy.width, busy.height);
    await limitedClock.advance(20_000);
    expect(busy.socket.readyState).toBe(busy.socket.OPEN);
    await limitedClock.advance(5_000);
    const [busyCode, busyReason] = (await busyClosed) as [number, Buffer];
    expect([busyCode, busyReason.toString()]).toEqual([4001, 'console session length limit reached']);
  });
});
