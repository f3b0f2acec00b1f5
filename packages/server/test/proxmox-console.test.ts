// The console proxy in front of a Proxmox target backed by the PVE fake over HTTPS: OpenConsole mints a ticket, a
// `ws` client (as noVNC) does RFB 3.8 with security None through the proxy, while the Proxmox connector opens
// vncproxy, upgrades vncwebsocket with its API token over the pinned TLS connection and authenticates upstream with
// the vncproxy password (VNC authentication); the viewer then reads a framebuffer update.
import { randomBytes } from 'node:crypto';
import { createHvcClient, createWebTransport } from '@hvc/client';
import { proxmoxConnectorFactory } from '@hvc/hypervisor-connector-proxmox';
import { createResolver, type Resolver } from '@hvc/hypervisor-resolver';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createServiceTokenVerifier } from '../src/authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { generateServiceToken } from '../src/storage/service-token-store.js';
import { consoleStatus, viewDesktop } from './support/rfb-websocket-viewer.js';

let fake: PveFake;
let pve: PveFakeServer;
let store: HvcStore;
let resolver: Resolver;
let server: OnePortServer;
const token = generateServiceToken();

beforeAll(async () => {
  fake = createPveFake({
    nodes: 2,
    guests: [
      { type: 'qemu', vmid: 100, name: 'pve-web', status: 'running', node: 'pve1' },
      { type: 'qemu', vmid: 101, name: 'pve-stopped', node: 'pve2' },
      { type: 'lxc', vmid: 102, name: 'pve-ct', status: 'running', node: 'pve2' },
    ],
    taskDurationMs: 20,
  });
  pve = await fake.listen();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'acme' });
  await store.targets.create({
    id: 'pve',
    organizationId: 'acme',
    displayName: 'PVE fake',
    kind: 'proxmox',
    config: { endpoints: [{ url: pve.url, fingerprint: pve.fingerprint }] },
    credentials: { type: 'token', tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
  });
  await store.serviceTokens.put({ id: 'op', organizationId: 'acme', role: 'operator', token });
  resolver = createResolver({
    connectors: { proxmox: proxmoxConnectorFactory },
    targets: (id) => store.targets.descriptor(id),
  });
  const handler = createHvcHandler({
    resolver,
    authenticator: createAuthenticator({
      issuers: [],
      serviceTokens: createServiceTokenVerifier(store.serviceTokens),
    }),
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    limits: { accessCacheMs: 0 },
  });
  server = await listenOnePort(handler, { host: '127.0.0.1', port: 0, upgrade: handler.upgrade });
}, 30_000);

afterAll(async () => {
  await server?.close(0);
  await resolver?.close();
  await store?.close();
  await fake?.close();
});

const client = () => createHvcClient(createWebTransport({ baseUrl: server.url, token }));

describe('the console proxy with a Proxmox target', () => {
  for (const [guestId, name] of [
    ['qemu/100', 'pve-web'],
    ['lxc/102', 'pve-ct'],
  ] as const) {
    it(`bridges a noVNC-style viewer to ${guestId} through vncproxy and vncwebsocket, once per ticket`, async () => {
      const sent = fake.requests.length;
      const opened = await client().consoles.openConsole({ targetId: 'pve', guestId, protocol: 'vnc' });
      expect(opened.url).toContain(`/v1/console/acme/pve/${encodeURIComponent(guestId)}?ticket=`);
      expect(await viewDesktop(opened.url)).toEqual({
        name,
        width: 64,
        height: 48,
        rectangles: 1,
        encoding: 0,
      });
      expect(await consoleStatus(opened.url)).toBe(403);
      const calls = fake.requests.slice(sent).map((r) => `${r.method} ${r.path} ${r.status}`);
      const node = guestId === 'qemu/100' ? 'pve1' : 'pve2';
      expect(calls).toEqual(
        expect.arrayContaining([
          `POST /nodes/${node}/${guestId}/vncproxy 200`,
          `GET /nodes/${node}/${guestId}/vncwebsocket 200`,
        ]),
      );
    });
  }

  it('answers 502 and opens no PVE console proxy when the guest is stopped (the connector refuses with CONFLICT)', async () => {
    const opened = await client().consoles.openConsole({
      targetId: 'pve',
      guestId: 'qemu/101',
      protocol: 'vnc',
    });
    const sent = fake.requests.length;
    expect(await consoleStatus(opened.url)).toBe(502);
    const calls = fake.requests.slice(sent).map((r) => `${r.method} ${r.path}`);
    expect(calls).toContain('GET /nodes/pve2/qemu/101/status/current');
    expect(calls.filter((call) => /vncproxy|vncwebsocket/.test(call))).toEqual([]);
  });
});
