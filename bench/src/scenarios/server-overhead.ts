import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import type { ConnectorFactory } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { createBenchConnector } from '../clients/hvc-connector-client.js';
import { type LoadResult, runLoad } from '../load/load-runner.js';
import { median } from '../load/stats.js';
import { buildGuestFleet, type FleetGuest } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';
import { type ClientMeasurement, summariseRuns } from './measured-client.js';

/** One concurrency: the direct library call and the same call through the server, side by side. */
export interface ServerCase {
  readonly concurrency: number;
  readonly clients: readonly ClientMeasurement[];
}

/** The server scenario's results, or why it could not run. */
export type ServerOverheadResult =
  | {
      readonly cases: readonly ServerCase[];
      /** Time of one JWT verification (the dev issuer's ES256 token), µs. */
      readonly jwtVerifyMicros: number;
      /** Time of one user lookup by (issuer, subject) in the SQLite store, µs. */
      readonly userLookupMicros: number;
    }
  | { readonly unavailable: string };

// Loaded by name and used through the small interfaces below: the bench follows the server's embedding API
// without making its own type check depend on the server package's internals.
const SERVER_PACKAGE = '@hvc/server';

type ServiceDescriptor = Parameters<typeof createClient>[0];

interface DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  mint(subject: string, options?: { ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

interface RunningServer {
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

interface ServerModule {
  readonly ServerConfigSchema: { parse(input: unknown): unknown };
  readonly GuestService: ServiceDescriptor;
  startServer(config: unknown, extras: { devIssuer: DevIssuer }): Promise<RunningServer>;
  startDevIssuer(options: { audience: string }): Promise<DevIssuer>;
}

interface GuestCaller {
  getGuest(
    request: { targetId: string; guestId: string },
    options: { headers: Record<string, string> },
  ): Promise<unknown>;
}

const CONCURRENCIES = [1, 64] as const;
const TARGET_ID = 'bench-pve';
const ORGANIZATION = 'bench';
const SUBJECT = 'bench-operator';

/**
 * An authenticated `GetGuest` over Connect JSON (HTTP/1.1) and over gRPC (HTTP/2) vs the same call made directly
 * through the library, at concurrency 1 and 64, all in this process against the same responder (so each ratio is
 * what the server's layers cost on top of the connector); plus the time of one JWT verification and of one user
 * lookup, measured alone.
 */
export async function runServerOverhead(
  settings: BenchSettings,
  certificate: BenchCertificate,
  factory: ConnectorFactory | undefined,
  log: (line: string) => void,
): Promise<ServerOverheadResult> {
  if (!factory) return { unavailable: 'the Proxmox connector is not available' };
  let server: ServerModule;
  try {
    server = (await import(SERVER_PACKAGE)) as ServerModule;
  } catch (error) {
    return { unavailable: `${SERVER_PACKAGE} cannot be loaded: ${firstLine(error)}` };
  }
  log('server overhead: GetGuest over Connect JSON and gRPC vs the direct call');
  const responder = await ResponderProcess.start({ guests: 5_000, nodes: 32 }, certificate);
  const cleanups: Array<() => Promise<unknown>> = [() => responder.close()];
  try {
    const issuer = await server.startDevIssuer({ audience: 'hvc-bench' });
    cleanups.unshift(() => issuer.close());
    const running = await server.startServer(
      server.ServerConfigSchema.parse({
        listen: { host: '127.0.0.1', port: 0 },
        database: { file: join(mkdtempSync(join(tmpdir(), 'hvc-bench-server-')), 'hvc.sqlite') },
        encryptionKey: randomBytes(32).toString('hex'),
        logLevel: 'silent',
      }),
      { devIssuer: issuer },
    );
    cleanups.unshift(() => running.close());
    const sockets = Math.max(...CONCURRENCIES) * 2;
    await running.store.members.createOrganization({ id: ORGANIZATION, displayName: 'Benchmark' });
    await running.store.members.addMember({
      organizationId: ORGANIZATION,
      issuer: issuer.issuer,
      subject: SUBJECT,
      role: 'operator',
    });
    await running.store.targets.create({
      id: TARGET_ID,
      organizationId: ORGANIZATION,
      displayName: 'Benchmark responder',
      kind: 'proxmox',
      config: { endpoints: [responder.target.origin], tls: { ca: certificate.cert }, concurrency: sockets },
      credentials: { type: 'token', tokenId: responder.target.tokenId, secret: responder.target.tokenSecret },
    });
    const token = await issuer.mint(SUBJECT, { ttlSeconds: 3_600 });
    const headers = { authorization: `Bearer ${token}` };
    const connector = createBenchConnector(factory, responder.target, sockets);
    cleanups.unshift(() => connector.close());
    const connect = guestCaller(server, createConnectTransport({ baseUrl: running.url, httpVersion: '1.1' }));
    const grpc = guestCaller(server, createGrpcTransport({ baseUrl: running.url }));
    const sample = buildGuestFleet(40, 32).guests;

    const ways: Array<{ label: string; call: (guest: FleetGuest) => Promise<unknown> }> = [
      { label: 'direct library call', call: (guest) => connector.getGuest(`${guest.type}/${guest.vmid}`) },
      {
        label: 'server, Connect JSON',
        call: (guest) =>
          connect.getGuest({ targetId: TARGET_ID, guestId: `${guest.type}/${guest.vmid}` }, { headers }),
      },
      {
        label: 'server, gRPC',
        call: (guest) =>
          grpc.getGuest({ targetId: TARGET_ID, guestId: `${guest.type}/${guest.vmid}` }, { headers }),
      },
    ];
    const cases: ServerCase[] = [];
    for (const concurrency of CONCURRENCIES) {
      log(`server overhead: concurrency ${concurrency}`);
      const calls = ways.map(({ call }) => {
        let next = 0;
        return () => call(sample[next++ % sample.length] as FleetGuest);
      });
      for (const call of calls) await runLoad(call, { concurrency, durationMs: settings.warmupMs });
      const runs = ways.map(() => [] as LoadResult[]);
      for (let run = 0; run < settings.runs; run++) {
        for (let k = 0; k < ways.length; k++) {
          const i = (k + run) % ways.length;
          runs[i]?.push(
            await runLoad(calls[i] as () => Promise<unknown>, { concurrency, durationMs: settings.runMs }),
          );
        }
      }
      cases.push({ concurrency, clients: ways.map((way, i) => summariseRuns(way.label, runs[i] ?? [], [])) });
    }
    const jwtVerifyMicros = await microsPerCall(() => running.authenticator.verify(token), settings);
    const userLookupMicros = await microsPerCall(
      () => running.store.members.findUserByIdentity(issuer.issuer, SUBJECT),
      settings,
    );
    return { cases, jwtVerifyMicros, userLookupMicros };
  } catch (error) {
    const reason = `the server scenario failed: ${firstLine(error)}`;
    process.stderr.write(`\n*** ${reason} ***\n\n`);
    return { unavailable: reason };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

function guestCaller(server: ServerModule, transport: Transport): GuestCaller {
  return createClient(server.GuestService, transport) as unknown as GuestCaller;
}

async function microsPerCall(call: () => Promise<unknown>, settings: BenchSettings): Promise<number> {
  await runLoad(call, { concurrency: 1, durationMs: settings.warmupMs });
  const runs: number[] = [];
  for (let run = 0; run < settings.runs; run++) {
    const result = await runLoad(call, { concurrency: 1, durationMs: Math.min(settings.runMs, 1_000) });
    if (result.errors > 0) throw new Error(`a timed call failed: ${result.firstError}`);
    runs.push(1e6 / result.perSecond);
  }
  return median(runs);
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
