import { createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import type { ConnectorFactory } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { createBenchConnector } from '../clients/hvc-connector-client.js';
import { type LoadResult, runLoad } from '../load/load-runner.js';
import { median, ratio } from '../load/stats.js';
import { buildGuestFleet, type FleetGuest } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import { SERVER_CALLS_PER_TARGET } from '../server/reading-bare-guest-server.js';
import { ServerProcess } from '../server/server-process.js';
import { BENCH_MEMORY_TARGET_ID, BENCH_TARGET_ID } from '../server/server-protocol.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';
import { type ClientMeasurement, type ResponderSample, summariseRuns } from './measured-client.js';

/** One concurrency: the direct library call and the same call through the server, side by side. */
export interface ServerCase {
  readonly concurrency: number;
  readonly clients: readonly ClientMeasurement[];
}

/** A server line's CPU per call over the bare baseline's, for one protocol: median of the per-run ratios. */
export interface CpuRatio {
  readonly median: number;
  /** The lowest and highest per-run ratio. */
  readonly range: readonly [number, number];
}

/** One server CPU ratio per wire protocol; null where a side was not measured. */
export interface CpuRatioByProtocol {
  readonly connectJson: CpuRatio | null;
  readonly grpc: CpuRatio | null;
}

/** The server process's CPU time per call, µs, for one concurrency and way. */
export interface ServerCpuPerCall {
  readonly concurrency: number;
  readonly label: string;
  /** Median over the runs. */
  readonly micros: number;
  /** The lowest and highest run. */
  readonly range?: readonly [number, number];
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
      readonly serverCpuMicrosPerCall?: readonly ServerCpuPerCall[];
      /**
       * The bench process's CPU time per call of the direct library call (the connector's two Proxmox reads and the
       * load loop), µs, for each concurrency: what those reads cost outside the server, under the same load.
       */
      readonly directCpuMicrosPerCall?: readonly ServerCpuPerCall[];
      /**
       * hvc-server's CPU per call over the bare ConnectRPC baseline's, per protocol, at the headline concurrency
       * (the runs of the two are interleaved, each run's ratio taken, the median reported).
       */
      readonly serverCpuVsBareConnect?: CpuRatioByProtocol;
      /**
       * The same ratio with the memory target: hvc-server's own layers (authentication, access, storage, resolver,
       * interceptors, audit, metrics, mapping) over the bare handler, neither reading a hypervisor.
       */
      readonly serverOwnCpuVsBareConnect?: CpuRatioByProtocol;
      /**
       * hvc-server's CPU per call on the Proxmox target over the bare handler that makes the same read through the
       * connector before it answers: what hvc-server's layers add to a call that reads the hypervisor.
       */
      readonly serverCpuVsBareRead?: CpuRatioByProtocol;
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
/** The concurrency the CPU ratio against the bare baseline is taken at. */
export const CPU_RATIO_CONCURRENCY = 64;

/** The labels of the scenario's ways. */
export const WAY = {
  direct: 'direct library call',
  connect: 'server, Connect JSON',
  grpc: 'server, gRPC',
  bareConnect: 'bare ConnectRPC, Connect JSON',
  bareGrpc: 'bare ConnectRPC, gRPC',
  connectMemory: 'server, Connect JSON, memory target',
  grpcMemory: 'server, gRPC, memory target',
  bareConnectMemory: 'bare ConnectRPC, Connect JSON, memory target',
  bareGrpcMemory: 'bare ConnectRPC, gRPC, memory target',
  bareConnectRead: 'bare ConnectRPC with the connector read, Connect JSON',
  bareGrpcRead: 'bare ConnectRPC with the connector read, gRPC',
} as const;

/** What the ratios compare; rendered with the scenario's tables. */
export const SERVER_OVERHEAD_DESCRIPTION = [
  'hvc-server runs in its own process, as deployed (`startServer` with its dev issuer, an SQLite store, one',
  'organisation, one operator and the responder as a Proxmox target); the bench process calls it with',
  '`@connectrpc/connect-node` clients: Connect JSON over HTTP/1.1 and gRPC over HTTP/2 (h2c), each call authenticated',
  'with a bearer JWT. The direct line is the same `getGuest` through the connector in the bench process, same config.',
  "The bare ConnectRPC lines are the baseline of the server CPU ratio: in the same server process, the server's",
  'one-port listener (`listenOnePort`) with a ConnectRPC router holding only `GetGuest`, which answers from memory',
  'with the message hvc-server gave for that guest (no authentication, authorization, storage, audit, metrics or',
  'mapping). The server lines use two processes (client, server) where the direct line uses one: calls/s are the',
  "throughput a client gets through the server vs linking the library; the server's CPU per call (process.cpuUsage",
  'of the server process over each run, divided by the calls completed) is given below the tables. Medians of the',
  "runs, interleaved. The responder counts the Proxmox requests each way makes per call: hvc reads a guest's status",
  'and its config (2), the bare handler none. The memory-target lines (at concurrency 64 only) ask hvc-server for',
  "guests of a second target of the same organisation whose connector answers from memory (the server's `memory`",
  "kind, 40 guests shaped like the responder's), and the bare handler for the messages hvc-server gave for them:",
  "neither reads a hypervisor, so their CPU ratio is what hvc-server's own layers cost. The direct line's CPU per",
  "call is the bench process's over its runs (the connector and the load loop): what the two Proxmox reads cost",
  'outside the server, under the same load. The read-baseline lines (at concurrency 64 only) are the bare handler',
  'again, on a listener of its own in the same process, except that each call first reads the guest through a',
  "Proxmox connector of the same config as the server's target (`getGuest`, its two requests to the responder; at",
  `most ${SERVER_CALLS_PER_TARGET} at once, as hvc-server's resolver runs a target's calls) and then answers the recorded message:`,
  "hvc-server's CPU on the Proxmox target over theirs is what the server's layers add to a call that reads the",
  'hypervisor.',
].join(' ');

/** One way of making the call, and whether the server process serves it. */
interface Way {
  readonly label: string;
  /** Makes the `n`-th call of a run (the way cycles over its target's sample of guests). */
  readonly call: (n: number) => Promise<unknown>;
  readonly throughServer: boolean;
  /** The concurrencies it runs at; all of the scenario's when absent. */
  readonly concurrencies?: readonly number[];
}

/** The scenario's parts, running: the responder, the server process and the ways to call. */
export interface ServerBench {
  readonly server: ServerProcess;
  /** The Proxmox API the connector reads: it counts the requests each way makes. */
  readonly responder: ResponderProcess;
  readonly ways: readonly Way[];
  /** A call of `way` that walks through the sample of guests. */
  caller(way: Way): () => Promise<unknown>;
  close(): Promise<void>;
}

/** Starts the responder and the server process and builds the ways to call `GetGuest`. */
export async function openServerBench(
  certificate: BenchCertificate,
  factory: ConnectorFactory,
  guestService: ServiceDescriptor,
): Promise<ServerBench> {
  const responder = await ResponderProcess.start({ guests: 5_000, nodes: 32 }, certificate);
  const cleanups: Array<() => Promise<unknown>> = [() => responder.close()];
  const close = async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  };
  try {
    const sample = buildGuestFleet(40, 32).guests;
    const idOf = (guest: FleetGuest) => `${guest.type}/${guest.vmid}`;
    const sockets = Math.max(...CONCURRENCIES) * 2;
    const server = await ServerProcess.startOn(responder.target, {
      concurrency: sockets,
      guestIds: sample.map(idOf),
    });
    cleanups.unshift(() => server.close());
    const headers = { authorization: `Bearer ${server.token}` };
    const connector = createBenchConnector(factory, responder.target, sockets);
    cleanups.unshift(() => connector.close());
    const over = (baseUrl: string, grpc: boolean) =>
      guestCaller(
        guestService,
        grpc
          ? createGrpcTransport({ baseUrl })
          : createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false }),
      );
    const proxmoxIds = sample.map(idOf);
    const viaServer =
      (caller: GuestCaller, targetId: string = BENCH_TARGET_ID, guestIds: readonly string[] = proxmoxIds) =>
      (n: number) =>
        caller.getGuest({ targetId, guestId: guestIds[n % guestIds.length] as string }, { headers });
    // The memory-target ways and the read baseline run at the concurrency the CPU ratios are taken at only.
    const atHeadline = (label: string, call: Way['call']): Way => ({
      label,
      call,
      throughServer: true,
      concurrencies: [CPU_RATIO_CONCURRENCY],
    });
    const onMemoryAt = (label: string, caller: GuestCaller): Way =>
      atHeadline(label, viaServer(caller, BENCH_MEMORY_TARGET_ID, server.memoryGuestIds));
    const ways: Way[] = [
      {
        label: WAY.direct,
        call: (n) => connector.getGuest(proxmoxIds[n % proxmoxIds.length] as string),
        throughServer: false,
      },
      { label: WAY.connect, call: viaServer(over(server.url, false)), throughServer: true },
      { label: WAY.grpc, call: viaServer(over(server.url, true)), throughServer: true },
      { label: WAY.bareConnect, call: viaServer(over(server.bareUrl, false)), throughServer: true },
      { label: WAY.bareGrpc, call: viaServer(over(server.bareUrl, true)), throughServer: true },
      onMemoryAt(WAY.connectMemory, over(server.url, false)),
      onMemoryAt(WAY.grpcMemory, over(server.url, true)),
      onMemoryAt(WAY.bareConnectMemory, over(server.bareUrl, false)),
      onMemoryAt(WAY.bareGrpcMemory, over(server.bareUrl, true)),
      atHeadline(WAY.bareConnectRead, viaServer(over(server.bareReadUrl, false))),
      atHeadline(WAY.bareGrpcRead, viaServer(over(server.bareReadUrl, true))),
    ];
    return {
      server,
      responder,
      ways,
      caller(way) {
        let next = 0;
        return () => way.call(next++);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * An authenticated `GetGuest` over Connect JSON (HTTP/1.1) and over gRPC (HTTP/2) vs the same call made directly
 * through the library and vs a bare ConnectRPC handler answering from memory, at concurrency 1 and 64 (64 only in a
 * quick run), against the same responder, with the server in its own process (see
 * {@link SERVER_OVERHEAD_DESCRIPTION}); plus the server's
 * CPU time per call, its ratio to the bare baseline's, and the time of one JWT verification and of one user lookup
 * measured alone inside the server process.
 */
export async function runServerOverhead(
  settings: BenchSettings,
  certificate: BenchCertificate,
  factory: ConnectorFactory | undefined,
  log: (line: string) => void,
): Promise<ServerOverheadResult> {
  if (!factory) return { unavailable: 'the Proxmox connector is not available' };
  const guestService = await loadGuestService();
  if (typeof guestService === 'string') return { unavailable: guestService };
  log(
    'server overhead: GetGuest over Connect JSON and gRPC vs the direct call and a bare ConnectRPC handler',
  );
  let bench: ServerBench | undefined;
  try {
    bench = await openServerBench(certificate, factory, guestService);
    const { server, responder } = bench;
    const cases: ServerCase[] = [];
    const serverCpuMicrosPerCall: ServerCpuPerCall[] = [];
    const directCpuMicrosPerCall: ServerCpuPerCall[] = [];
    let cpuAtHeadline = new Map<string, number[]>();
    // A way that cannot make one call would only time its failures: the scenario says why instead of a 0x.
    for (const way of bench.ways) {
      try {
        await bench.caller(way)();
      } catch (error) {
        throw new Error(`${way.label} cannot make a GetGuest call: ${firstLine(error)}`);
      }
    }
    // A quick run measures the concurrency its figures are taken at, and leaves concurrency 1 to the full run.
    const concurrencies: readonly number[] = settings.quick ? [CPU_RATIO_CONCURRENCY] : CONCURRENCIES;
    for (const concurrency of concurrencies) {
      log(`server overhead: concurrency ${concurrency}`);
      const ways: readonly Way[] = bench.ways.filter((way) =>
        (way.concurrencies ?? concurrencies).includes(concurrency),
      );
      const calls = ways.map((way) => bench!.caller(way));
      for (const call of calls) await runLoad(call, { concurrency, durationMs: settings.warmupMs });
      const runs = ways.map(() => [] as LoadResult[]);
      const cpu = ways.map(() => [] as number[]);
      const samples = ways.map(() => [] as ResponderSample[]);
      for (let run = 0; run < settings.runs; run++) {
        for (let k = 0; k < ways.length; k++) {
          const i = (k + run) % ways.length;
          await responder.reset();
          await server.cpuMicros();
          const own = process.cpuUsage();
          const result = await runLoad(calls[i] as () => Promise<unknown>, {
            concurrency,
            durationMs: settings.runMs,
          });
          const ownUsed = process.cpuUsage(own);
          const used = await server.cpuMicros();
          const stats = await responder.stats();
          runs[i]?.push(result);
          samples[i]?.push({
            cpuShare: stats.cpuMs / stats.wallMs,
            requestsPerCall: result.requests === 0 ? null : stats.requests / result.requests,
          });
          const completed = result.requests;
          if (completed === 0) cpu[i]?.push(Number.NaN);
          else if (ways[i]?.throughServer) cpu[i]?.push(used / completed);
          else cpu[i]?.push((ownUsed.user + ownUsed.system) / completed);
        }
      }
      if (concurrency === CPU_RATIO_CONCURRENCY) {
        cpuAtHeadline = new Map(ways.map((way, i) => [way.label, cpu[i] ?? []]));
      }
      cases.push({
        concurrency,
        clients: ways.map((way, i) => summariseRuns(way.label, runs[i] ?? [], samples[i] ?? [])),
      });
      ways.forEach((way, i) => {
        const perCall = (cpu[i] ?? []).filter(Number.isFinite);
        if (perCall.length === 0) return;
        const micros = median(perCall);
        (way.throughServer ? serverCpuMicrosPerCall : directCpuMicrosPerCall).push({
          concurrency,
          label: way.label,
          micros,
          range: [Math.min(...perCall), Math.max(...perCall)],
        });
        log(
          `server overhead: ${way.label} at concurrency ${concurrency}: ${Math.round(micros)} µs of ` +
            `${way.throughServer ? 'server' : 'bench process'} CPU per call`,
        );
      });
    }
    const cpuOf = (label: string) => cpuAtHeadline.get(label) ?? [];
    const serverCpuVsBareConnect = {
      connectJson: cpuRatio(cpuOf(WAY.connect), cpuOf(WAY.bareConnect)),
      grpc: cpuRatio(cpuOf(WAY.grpc), cpuOf(WAY.bareGrpc)),
    };
    const serverOwnCpuVsBareConnect = {
      connectJson: cpuRatio(cpuOf(WAY.connectMemory), cpuOf(WAY.bareConnectMemory)),
      grpc: cpuRatio(cpuOf(WAY.grpcMemory), cpuOf(WAY.bareGrpcMemory)),
    };
    const serverCpuVsBareRead = {
      connectJson: cpuRatio(cpuOf(WAY.connect), cpuOf(WAY.bareConnectRead)),
      grpc: cpuRatio(cpuOf(WAY.grpc), cpuOf(WAY.bareGrpcRead)),
    };
    for (const [what, ratios] of [
      ['Proxmox target', serverCpuVsBareConnect],
      ['memory target', serverOwnCpuVsBareConnect],
      ['Proxmox target, against the bare handler making the same read', serverCpuVsBareRead],
    ] as const) {
      log(
        `server overhead: server CPU per call vs bare ConnectRPC at concurrency ${CPU_RATIO_CONCURRENCY}, ${what}: ` +
          `Connect JSON ${ratios.connectJson?.median.toFixed(2)}x, gRPC ${ratios.grpc?.median.toFixed(2)}x`,
      );
    }
    const { jwtVerifyMicros, userLookupMicros } = await server.perRequestMicros(settings);
    return {
      cases,
      jwtVerifyMicros,
      userLookupMicros,
      serverCpuMicrosPerCall,
      directCpuMicrosPerCall,
      serverCpuVsBareConnect,
      serverOwnCpuVsBareConnect,
      serverCpuVsBareRead,
      description: SERVER_OVERHEAD_DESCRIPTION,
    };
  } catch (error) {
    const reason = `the server scenario failed: ${firstLine(error)}`;
    process.stderr.write(`\n*** ${reason} ***\n\n`);
    return { unavailable: reason };
  } finally {
    await bench?.close();
  }
}

/** The median and spread of the per-run ratios `ours[r] / base[r]` (runs interleaved); null when unmeasured. */
export function cpuRatio(ours: readonly number[], base: readonly number[]): CpuRatio | null {
  const ratios = ours.flatMap((value, run) => {
    const r = ratio(value, base[run]);
    return r === null ? [] : [r];
  });
  if (ratios.length === 0) return null;
  return { median: median(ratios), range: [Math.min(...ratios), Math.max(...ratios)] };
}

/** The client package's `GuestService`, after checking the server package loads; or why not. */
export async function loadGuestService(): Promise<ServiceDescriptor | string> {
  try {
    await import(SERVER_PACKAGE);
    return (await import(CLIENT_PACKAGE)).GuestService as ServiceDescriptor;
  } catch (error) {
    return `${SERVER_PACKAGE} cannot be loaded: ${firstLine(error)}`;
  }
}

function guestCaller(service: ServiceDescriptor, transport: Transport): GuestCaller {
  return createClient(service, transport) as unknown as GuestCaller;
}

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
