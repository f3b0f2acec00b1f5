import { createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import type { ConnectorFactory } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { createBenchConnector } from '../clients/hvc-connector-client.js';
import { type LoadResult, runLoad } from '../load/load-runner.js';
import { median } from '../load/stats.js';
import { buildGuestFleet, type FleetGuest } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import { ServerProcess } from '../server/server-process.js';
import { BENCH_TARGET_ID } from '../server/server-protocol.js';
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
      /** Time of one JWT verification (the dev issuer's ES256 token), µs, inside the server process. */
      readonly jwtVerifyMicros: number;
      /** Time of one user lookup by (issuer, subject) in the SQLite store, µs, inside the server process. */
      readonly userLookupMicros: number;
      /** The server process's CPU time per call, µs, for each concurrency and way (median over the runs). */
      readonly serverCpuMicrosPerCall?: ReadonlyArray<{
        readonly concurrency: number;
        readonly label: string;
        readonly micros: number;
      }>;
      /** How the scenario is set up: what the ratios compare. */
      readonly description?: string;
    }
  | { readonly unavailable: string };

// Loaded by name: the bench follows the server's embedding API without its type check depending on the server
// package's internals.
const SERVER_PACKAGE = '@hvc/server';
const CLIENT_PACKAGE = '@hvc/client';

type ServiceDescriptor = Parameters<typeof createClient>[0];

interface GuestCaller {
  getGuest(
    request: { targetId: string; guestId: string },
    options: { headers: Record<string, string> },
  ): Promise<unknown>;
}

const CONCURRENCIES = [1, 64] as const;

/** What the ratios compare; rendered with the scenario's tables. */
export const SERVER_OVERHEAD_DESCRIPTION = [
  'hvc-server runs in its own process, as deployed (`startServer` with its dev issuer, an SQLite store, one',
  'organisation, one operator and the responder as a Proxmox target); the bench process calls it with',
  '`@connectrpc/connect-node` clients: Connect JSON over HTTP/1.1 and gRPC over HTTP/2 (h2c), each call authenticated',
  'with a bearer JWT. The direct line is the same `getGuest` through the connector in the bench process, same config.',
  'The server lines therefore use two processes (client, server) where the direct line uses one: the ratio is the',
  "throughput a client gets through the server vs linking the library, not the server's CPU cost, which is given",
  'per call below the tables. Medians of the runs, interleaved.',
].join(' ');

/**
 * An authenticated `GetGuest` over Connect JSON (HTTP/1.1) and over gRPC (HTTP/2) vs the same call made directly
 * through the library, at concurrency 1 and 64, against the same responder, with the server in its own process
 * (see {@link SERVER_OVERHEAD_DESCRIPTION}); plus the server's CPU time per call, and the time of one JWT
 * verification and of one user lookup measured alone inside the server process.
 */
export async function runServerOverhead(
  settings: BenchSettings,
  certificate: BenchCertificate,
  factory: ConnectorFactory | undefined,
  log: (line: string) => void,
): Promise<ServerOverheadResult> {
  if (!factory) return { unavailable: 'the Proxmox connector is not available' };
  let guestService: ServiceDescriptor;
  try {
    await import(SERVER_PACKAGE);
    guestService = (await import(CLIENT_PACKAGE)).GuestService;
  } catch (error) {
    return { unavailable: `${SERVER_PACKAGE} cannot be loaded: ${firstLine(error)}` };
  }
  log('server overhead: GetGuest over Connect JSON and gRPC vs the direct call');
  const responder = await ResponderProcess.start({ guests: 5_000, nodes: 32 }, certificate);
  const cleanups: Array<() => Promise<unknown>> = [() => responder.close()];
  try {
    const sockets = Math.max(...CONCURRENCIES) * 2;
    const server = await ServerProcess.start({
      origin: responder.target.origin,
      certFile: certificate.certFile,
      tokenId: responder.target.tokenId,
      tokenSecret: responder.target.tokenSecret,
      concurrency: sockets,
    });
    cleanups.unshift(() => server.close());
    const headers = { authorization: `Bearer ${server.token}` };
    const connector = createBenchConnector(factory, responder.target, sockets);
    cleanups.unshift(() => connector.close());
    const connect = guestCaller(
      guestService,
      createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useBinaryFormat: false }),
    );
    const grpc = guestCaller(guestService, createGrpcTransport({ baseUrl: server.url }));
    const sample = buildGuestFleet(40, 32).guests;

    const ways: Array<{ label: string; call: (guest: FleetGuest) => Promise<unknown> }> = [
      { label: 'direct library call', call: (guest) => connector.getGuest(`${guest.type}/${guest.vmid}`) },
      {
        label: 'server, Connect JSON',
        call: (guest) =>
          connect.getGuest(
            { targetId: BENCH_TARGET_ID, guestId: `${guest.type}/${guest.vmid}` },
            { headers },
          ),
      },
      {
        label: 'server, gRPC',
        call: (guest) =>
          grpc.getGuest({ targetId: BENCH_TARGET_ID, guestId: `${guest.type}/${guest.vmid}` }, { headers }),
      },
    ];
    const cases: ServerCase[] = [];
    const serverCpuMicrosPerCall: Array<{ concurrency: number; label: string; micros: number }> = [];
    for (const concurrency of CONCURRENCIES) {
      log(`server overhead: concurrency ${concurrency}`);
      const calls = ways.map(({ call }) => {
        let next = 0;
        return () => call(sample[next++ % sample.length] as FleetGuest);
      });
      for (const call of calls) await runLoad(call, { concurrency, durationMs: settings.warmupMs });
      const runs = ways.map(() => [] as LoadResult[]);
      const cpu = ways.map(() => [] as number[]);
      for (let run = 0; run < settings.runs; run++) {
        for (let k = 0; k < ways.length; k++) {
          const i = (k + run) % ways.length;
          await server.cpuMicros();
          const result = await runLoad(calls[i] as () => Promise<unknown>, {
            concurrency,
            durationMs: settings.runMs,
          });
          const used = await server.cpuMicros();
          runs[i]?.push(result);
          const completed = (result.perSecond * settings.runMs) / 1000;
          if (i > 0 && completed > 0) cpu[i]?.push(used / completed);
        }
      }
      cases.push({ concurrency, clients: ways.map((way, i) => summariseRuns(way.label, runs[i] ?? [], [])) });
      ways.forEach((way, i) => {
        const perCall = cpu[i] ?? [];
        if (perCall.length === 0) return;
        const micros = median(perCall);
        serverCpuMicrosPerCall.push({ concurrency, label: way.label, micros });
        log(
          `server overhead: ${way.label} at concurrency ${concurrency}: ${Math.round(micros)} µs of server CPU per call`,
        );
      });
    }
    const { jwtVerifyMicros, userLookupMicros } = await server.perRequestMicros(settings);
    return {
      cases,
      jwtVerifyMicros,
      userLookupMicros,
      serverCpuMicrosPerCall,
      description: SERVER_OVERHEAD_DESCRIPTION,
    };
  } catch (error) {
    const reason = `the server scenario failed: ${firstLine(error)}`;
    process.stderr.write(`\n*** ${reason} ***\n\n`);
    return { unavailable: reason };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

function guestCaller(service: ServiceDescriptor, transport: Transport): GuestCaller {
  return createClient(service, transport) as unknown as GuestCaller;
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
