import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListenOnePort } from './bare-guest-server.js';
import {
  BENCH_MEMORY_TARGET_ID,
  BENCH_TARGET_ID,
  type ServerLaunch,
  type TenantAccess,
} from './server-protocol.js';

// hvc-server as the bench runs it: the dev issuer, an SQLite store with one organisation, one operator and the
// responder as a Proxmox target, as `hvc-server` runs when deployed. Loaded by name and used through the small
// interfaces below, so the bench's type check does not depend on the server package's internals.

/** The dev issuer, as `@hvc/server` exports it. */
export interface DevIssuer {
  readonly issuer: string;
  mint(subject: string, options?: { ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

/** A running hvc-server, as much of it as the bench uses. */
export interface RunningServer {
  readonly url: string;
  readonly store: {
    readonly members: {
      createOrganization(input: { id: string; displayName: string }): Promise<unknown>;
      addMember(input: {
        organizationId: string;
        issuer: string;
        subject: string;
        role: string;
      }): Promise<unknown>;
      findUserByIdentity(issuer: string, subject: string): Promise<unknown>;
    };
    readonly targets: { create(input: Record<string, unknown>): Promise<unknown> };
  };
  readonly authenticator: { verify(token: string): Promise<unknown> };
  close(): Promise<void>;
}

/** The parts of `@hvc/server` the bench uses. */
export interface ServerModule {
  readonly ServerConfigSchema: { parse(input: unknown): unknown };
  startServer(config: unknown, extras: { devIssuer: DevIssuer }): Promise<RunningServer>;
  startDevIssuer(options: { audience: string }): Promise<DevIssuer>;
  readonly listenOnePort: ListenOnePort;
}

/** The bench's server, its organisation set up and a token of its operator. */
export interface BenchServer {
  readonly module: ServerModule;
  readonly running: RunningServer;
  readonly issuer: DevIssuer;
  /** A bearer token of the bench's operator (one hour). */
  readonly token: string;
  /** The organisations of `launch.tenants`, each with its operator's token (one hour) and its targets. */
  readonly tenants: readonly TenantAccess[];
  close(): Promise<void>;
}

/**
 * Guests for the memory target, shaped like the responder's (one in five a container, three in four running, a
 * tag each), so that its GetGuest messages are of the same kind.
 */
export function memoryGuestSeeds(count: number): ReadonlyArray<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    type: i % 5 === 4 ? 'container' : 'vm',
    name: `bench-guest-${i}`,
    state: i % 4 === 3 ? 'stopped' : 'running',
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 32,
    tags: ['bench'],
  }));
}

/**
 * The bench's Proxmox targets as hvc-server stores them: the responder of `launch`, its certificate as CA, the
 * connector concurrency of the load, and the API token.
 */
export function benchTargetSettings(launch: ServerLaunch) {
  return {
    config: {
      endpoints: [launch.origin],
      tls: { ca: readFileSync(launch.certFile, 'utf8') },
      concurrency: launch.concurrency,
    },
    credentials: { type: 'token', tokenId: launch.tokenId, secret: launch.tokenSecret },
  } as const;
}

/** The organisation the bench's operator belongs to, and the operator's subject. */
export const BENCH_ORGANIZATION = 'bench';
export const BENCH_SUBJECT = 'bench-operator';

/**
 * Starts hvc-server with the bench's configuration and registers the responder of `launch` as its Proxmox target
 * {@link BENCH_TARGET_ID}; `accessCacheMs` overrides the server's access cache TTL when given.
 */
export async function startBenchServer(
  launch: ServerLaunch,
  options: { accessCacheMs?: number } = {},
): Promise<BenchServer> {
  const module = (await import('@hvc/server')) as unknown as ServerModule;
  const issuer = await module.startDevIssuer({ audience: 'hvc-bench' });
  const running = await module.startServer(
    module.ServerConfigSchema.parse({
      listen: { host: '127.0.0.1', port: 0 },
      database: { file: join(mkdtempSync(join(tmpdir(), 'hvc-bench-server-')), 'hvc.sqlite') },
      encryptionKey: randomBytes(32).toString('hex'),
      logLevel: 'silent',
      // The target's connector concurrency matches the load (above the tenant default): the operator's choice. The
      // memory kind serves the target that measures the server without a hypervisor read.
      connectors: { allowOperatorSettings: true, allowMemory: true },
      ...(options.accessCacheMs === undefined ? {} : { limits: { accessCacheMs: options.accessCacheMs } }),
    }),
    { devIssuer: issuer },
  );
  await running.store.members.createOrganization({ id: BENCH_ORGANIZATION, displayName: 'Benchmark' });
  await running.store.members.addMember({
    organizationId: BENCH_ORGANIZATION,
    issuer: issuer.issuer,
    subject: BENCH_SUBJECT,
    role: 'operator',
  });
  const settings = benchTargetSettings(launch);
  const createTarget = (id: string, organizationId: string) =>
    running.store.targets.create({
      id,
      organizationId,
      displayName: `Benchmark responder (${id})`,
      kind: 'proxmox',
      ...settings,
    });
  await createTarget(BENCH_TARGET_ID, BENCH_ORGANIZATION);
  await running.store.targets.create({
    id: BENCH_MEMORY_TARGET_ID,
    organizationId: BENCH_ORGANIZATION,
    displayName: 'Benchmark memory target',
    kind: 'memory',
    config: { guests: memoryGuestSeeds(launch.guestIds.length) },
  });
  const token = await issuer.mint(BENCH_SUBJECT, { ttlSeconds: 3_600 });
  const tenants: TenantAccess[] = [];
  for (let o = 1; o <= (launch.tenants?.organisations ?? 0); o++) {
    const organizationId = `bench-org-${o}`;
    const subject = `${BENCH_SUBJECT}-${o}`;
    await running.store.members.createOrganization({ id: organizationId, displayName: `Benchmark ${o}` });
    await running.store.members.addMember({
      organizationId,
      issuer: issuer.issuer,
      subject,
      role: 'operator',
    });
    const targetIds: string[] = [];
    for (let t = 1; t <= (launch.tenants?.targetsPerOrganisation ?? 0); t++) {
      const id = `bench-pve-${o}-${t}`;
      await createTarget(id, organizationId);
      targetIds.push(id);
    }
    tenants.push({ organizationId, token: await issuer.mint(subject, { ttlSeconds: 3_600 }), targetIds });
  }
  return {
    module,
    running,
    issuer,
    token,
    tenants,
    async close() {
      await running.close();
      await issuer.close();
    },
  };
}
