/**
 * DescribeTarget, ListNodes and GetMetrics over real HTTP/2 and HTTP/1.1 with gRPC, gRPC-Web and Connect clients,
 * against a memory target and a Proxmox VE fake over HTTPS: viewers read them, another organisation's caller gets
 * NOT_FOUND, a caller without a token is refused.
 */
import { randomBytes } from 'node:crypto';
import { Code, createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import {
  ConsoleProtocol,
  GuestService,
  GuestType,
  HostNodeStatus,
  MetricTimeframe,
  TargetService,
} from '@hvc/client/v1';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { codeOf } from './support/call-code.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

let idp: TestIssuer;
let store: HvcStore;
let server: OnePortServer;
let fake: PveFake;
let pve: PveFakeServer;
const tokens: Record<string, string> = {};
const resolver = createResolver({
  connectors: { memory: memoryConnectorFactory, proxmox: () => import('@hvc/hypervisor-connector-proxmox') },
  targets: (id) => store.targets.descriptor(id),
});
const as = (who: string) => ({ headers: { authorization: `Bearer ${tokens[who]}` } });
const transports = (): Record<string, Transport> => ({
  grpc: createGrpcTransport({ baseUrl: server.url }),
  'grpc-web': createGrpcWebTransport({ baseUrl: server.url, httpVersion: '1.1' }),
  connect: createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
});

beforeAll(async () => {
  fake = createPveFake({
    nodes: 2,
    guests: [{ type: 'qemu', vmid: 100, name: 'web-1', status: 'running' }],
  });
  pve = await fake.listen();
  idp = await startTestIssuer();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) await store.members.createOrganization({ id: org, displayName: org });
  for (const [who, org, role] of [
    ['victor', 'acme', 'viewer'],
    ['oscar', 'globex', 'admin'],
  ] as const) {
    await store.members.addMember({ organizationId: org, issuer: idp.issuer, subject: who, role });
    tokens[who] = await idp.mint({ sub: who }, { expIn: 3600 });
  }
  await store.targets.create({
    id: 'mem-1',
    organizationId: 'acme',
    displayName: 'Memory',
    kind: 'memory',
    config: {
      nodes: ['node-b', 'node-a'],
      version: '2.3.4',
      clusterName: 'acme-lab',
      guests: [
        { type: 'vm', name: 'web-1', state: 'running', node: 'node-a', memoryMiB: 1024 },
        { type: 'container', name: 'db-1' },
      ],
      capabilities: { console: ['vnc'], notes: { console: 'VNC only here' } },
    },
  });
  // The same target id in another organisation, without metrics: its caller sees this one, never acme's.
  await store.targets.create({
    id: 'mem-1',
    organizationId: 'globex',
    displayName: 'Globex memory',
    kind: 'memory',
    config: { nodes: ['g1'], clusterName: 'globex-lab', capabilities: { metrics: false } },
  });
  await store.targets.create({
    id: 'pve-1',
    organizationId: 'acme',
    displayName: 'PVE fake',
    kind: 'proxmox',
    config: { endpoints: [{ url: pve.url, fingerprint: pve.fingerprint }] },
    credentials: { type: 'token', tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
  });
  const authenticator = createAuthenticator({
    issuers: [createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'] })],
  });
  await authenticator.start();
  server = await listenOnePort(
    createHvcHandler({ resolver, authenticator, authorizer: createDatabaseAuthorizer(store.db), store }),
    { host: '127.0.0.1', port: 0 },
  );
}, 30_000);

afterAll(async () => {
  await server?.close();
  await resolver.close();
  await store?.close();
  await idp?.close();
  await pve?.close();
  await fake?.close();
});

describe('DescribeTarget', () => {
  it("gives a viewer the target's version, cluster, nodes and refined capabilities on every protocol", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const { info } = await createClient(TargetService, transport).describeTarget(
        { targetId: 'mem-1' },
        as('victor'),
      );
      expect([name, info]).toMatchObject([
        name,
        {
          targetId: 'mem-1',
          kind: 'memory',
          specificationVersion: 'v1',
          version: '2.3.4',
          clusterName: 'acme-lab',
          raw: { version: '2.3.4', clusterName: 'acme-lab' },
        },
      ]);
      expect(info!.nodes.map((n) => n.name)).toEqual(['node-a', 'node-b']);
      expect(info!.capabilities).toMatchObject({
        guestTypes: [GuestType.VM, GuestType.CONTAINER],
        create: true,
        clone: { full: true, linked: true },
        migration: { offline: true, live: true },
        console: [ConsoleProtocol.VNC],
        metrics: true,
        notes: { console: 'VNC only here' },
      });
      // Every capability by name, the groups added to the contract later included; none it lacks.
      expect(info!.capabilities!.names).toEqual(
        expect.arrayContaining([
          'create',
          'clone.linked',
          'console.vnc',
          'sources.image',
          'disks.resize',
          'watch',
        ]),
      );
      expect(info!.capabilities!.names).not.toContain('console.spice');
      // Containers lack a reset and memory snapshots on the memory connector, as on real hypervisors.
      const limits = info!.capabilities!.unsupportedByGuestType;
      expect(limits.map((l) => l.type)).toEqual([GuestType.CONTAINER]);
      expect(Object.keys(limits[0]!.unsupported)).toContain('reset');
    }
  });

  it('describes a Proxmox VE target through its connector', async () => {
    const { info } = await createClient(TargetService, transports().grpc!).describeTarget(
      { targetId: 'pve-1' },
      as('victor'),
    );
    expect(info).toMatchObject({ targetId: 'pve-1', kind: 'proxmox', specificationVersion: 'v1' });
    expect(info!.version).toMatch(/^\d+\.\d+/);
    expect(info!.nodes).toHaveLength(2);
    expect(info!.capabilities!.guestTypes).toEqual([GuestType.VM, GuestType.CONTAINER]);
    expect(info!.capabilities!.notes['console.spice']).toMatch(/SPICE/);
  });

  it("answers NOT_FOUND for another organisation's target, and refuses a caller without a token", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const targets = createClient(TargetService, transport);
      for (const request of [{ targetId: 'pve-1' }, { targetId: 'mem-1', organizationId: 'acme' }]) {
        expect([name, await codeOf(targets.describeTarget(request, as('oscar')))]).toEqual([
          name,
          Code.NotFound,
        ]);
      }
      // The same id names the caller's own target: theirs is described, never acme's.
      const own = await targets.describeTarget({ targetId: 'mem-1' }, as('oscar'));
      expect([name, own.info?.clusterName, own.info?.nodes.map((n) => n.name)]).toEqual([
        name,
        'globex-lab',
        ['g1'],
      ]);
      expect([name, await codeOf(targets.describeTarget({ targetId: 'mem-1' }))]).toEqual([
        name,
        Code.Unauthenticated,
      ]);
    }
  });

  it('refuses a malformed target id before looking anything up', async () => {
    const targets = createClient(TargetService, transports().connect!);
    expect(await codeOf(targets.describeTarget({ targetId: '../etc' }, as('victor')))).toBe(
      Code.InvalidArgument,
    );
  });
});

describe('ListNodes', () => {
  it('lists the nodes with their state, CPUs, memory and load on every protocol, ordered by name', async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const { nodes } = await createClient(TargetService, transport).listNodes(
        { targetId: 'mem-1' },
        as('victor'),
      );
      expect([name, nodes.map((n) => [n.name, n.status])]).toEqual([
        name,
        [
          ['node-a', HostNodeStatus.ONLINE],
          ['node-b', HostNodeStatus.ONLINE],
        ],
      ]);
      // web-1 (1 GiB) runs on node-a.
      expect(nodes[0]).toMatchObject({
        cpus: 32,
        memoryBytes: 128n * 1024n ** 3n,
        usage: { memoryBytes: 1024n ** 3n },
        raw: { node: 'node-a', guests: 1 },
      });
      expect(nodes[1]!.usage?.memoryBytes).toBe(0n);
    }
  });

  it("reports a Proxmox VE node that went offline as offline, and keeps another organisation's nodes hidden", async () => {
    const targets = createClient(TargetService, transports().grpc!);
    const before = await targets.listNodes({ targetId: 'pve-1' }, as('victor'));
    expect(before.nodes.map((n) => n.status)).toEqual([HostNodeStatus.ONLINE, HostNodeStatus.ONLINE]);
    expect(before.nodes[0]!.cpus).toBeGreaterThan(0);
    expect(before.nodes[0]!.memoryBytes).toBeGreaterThan(0n);
    const second = before.nodes[1]!.name;
    fake.setNodeOnline(second, false);
    try {
      const after = await targets.listNodes({ targetId: 'pve-1' }, as('victor'));
      expect(after.nodes.find((n) => n.name === second)?.status).toBe(HostNodeStatus.OFFLINE);
    } finally {
      fake.setNodeOnline(second, true);
    }
    for (const [name, transport] of Object.entries(transports())) {
      const code = await codeOf(
        createClient(TargetService, transport).listNodes({ targetId: 'pve-1' }, as('oscar')),
      );
      expect([name, code]).toEqual([name, Code.NotFound]);
      expect([
        name,
        await codeOf(createClient(TargetService, transport).listNodes({ targetId: 'pve-1' })),
      ]).toEqual([name, Code.Unauthenticated]);
    }
  });
});

describe('GetMetrics', () => {
  it("gives a viewer a running guest's series for the timeframe asked, on every protocol", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const guests = createClient(GuestService, transport);
      const { series } = await guests.getMetrics(
        { targetId: 'mem-1', guestId: 'vm/100', timeframe: MetricTimeframe.DAY },
        as('victor'),
      );
      expect([name, series?.targetId, series?.guestId, series?.timeframe, series?.resolutionSeconds]).toEqual(
        [name, 'mem-1', 'vm/100', MetricTimeframe.DAY, 1800],
      );
      const points = series!.points;
      expect(points.length).toBeGreaterThan(1);
      expect(points.every((p) => p.memoryTotalBytes === 1024n ** 3n)).toBe(true);
      expect(points.every((p) => p.cpu !== undefined && p.cpu >= 0 && p.cpu <= 1)).toBe(true);
      const times = points.map((p) => Number(p.time!.seconds));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[1]! - times[0]!).toBe(1800);
      // Unspecified is the last hour.
      const hour = await guests.getMetrics({ targetId: 'mem-1', guestId: 'vm/100' }, as('victor'));
      expect([name, hour.series?.timeframe, hour.series?.resolutionSeconds]).toEqual([
        name,
        MetricTimeframe.HOUR,
        60,
      ]);
    }
  });

  it("reads a Proxmox VE guest's RRD series", async () => {
    const { series } = await createClient(GuestService, transports().grpc!).getMetrics(
      { targetId: 'pve-1', guestId: 'qemu/100', timeframe: MetricTimeframe.HOUR },
      as('victor'),
    );
    expect(series).toMatchObject({ targetId: 'pve-1', guestId: 'qemu/100', timeframe: MetricTimeframe.HOUR });
    expect(series!.resolutionSeconds).toBeGreaterThan(0);
    expect(series!.points.length).toBeGreaterThan(0);
  });

  it('answers typed errors: unknown guest, unknown timeframe, metrics missing, other organisation, no token', async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const guests = createClient(GuestService, transport);
      const cases: Array<[string, () => Promise<unknown>, Code]> = [
        [
          'unknown guest',
          () => guests.getMetrics({ targetId: 'mem-1', guestId: 'vm/999' }, as('victor')),
          Code.NotFound,
        ],
        [
          'unknown timeframe',
          // proto3 enums are open: a number this server does not know arrives as is.
          () =>
            guests.getMetrics(
              { targetId: 'mem-1', guestId: 'vm/100', timeframe: 42 as MetricTimeframe },
              as('victor'),
            ),
          Code.InvalidArgument,
        ],
        [
          'bad guest id',
          () => guests.getMetrics({ targetId: 'mem-1', guestId: '../x' }, as('victor')),
          Code.InvalidArgument,
        ],
        [
          'no metrics capability',
          () => guests.getMetrics({ targetId: 'mem-1', guestId: 'vm/100' }, as('oscar')),
          Code.Unimplemented,
        ],
        [
          "another organisation's target",
          () => guests.getMetrics({ targetId: 'pve-1', guestId: 'qemu/100' }, as('oscar')),
          Code.NotFound,
        ],
        ['no token', () => guests.getMetrics({ targetId: 'mem-1', guestId: 'vm/100' }), Code.Unauthenticated],
      ];
      for (const [what, call, code] of cases) {
        expect([name, what, await codeOf(call())]).toEqual([name, what, code]);
      }
    }
  });
});
