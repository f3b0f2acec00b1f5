import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService, OperationService } from '@hvc/client';
import type { BenchSettings } from '../bench-settings.js';
import { type LoadResult, runLoad } from '../load/load-runner.js';
import { median } from '../load/stats.js';
import { buildGuestFleet } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import { ServerProcess } from '../server/server-process.js';
import type { TenantAccess } from '../server/server-protocol.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';

/** How big the scale scenario is. */
export interface ScaleShape {
  readonly organisations: number;
  readonly targetsPerOrganisation: number;
  readonly guestsPerTarget: number;
  /** WatchOperation streams kept open throughout (each starts a guest, watches the task to its end, again). */
  readonly watchStreams: number;
  /** Closed-loop callers of GetGuest and of ListGuests. */
  readonly getGuestCallers: number;
  readonly listGuestsCallers: number;
  /** Measured windows (the median and spread are over them), each after the warm-up. */
  readonly windows: number;
  readonly windowMs: number;
  readonly warmupMs: number;
  /** How long each started task runs on the responder. */
  readonly taskDurationMs: number;
}

/** The quick run's shape (2,000 guests) and the full run's (10,000 guests). */
export function scaleShape(settings: BenchSettings): ScaleShape {
  // Every stream needs stopped guests of its own (one in four guests is stopped): at least two per stream.
  const common = { organisations: 5, targetsPerOrganisation: 2, getGuestCallers: 16, listGuestsCallers: 4 };
  return settings.quick
    ? {
        ...common,
        guestsPerTarget: 200,
        watchStreams: 20,
        windows: 2,
        windowMs: 3_000,
        warmupMs: 1_000,
        taskDurationMs: 1_000,
      }
    : {
        ...common,
        guestsPerTarget: 1_000,
        watchStreams: 100,
        windows: 3,
        windowMs: 10_000,
        warmupMs: 3_000,
        taskDurationMs: 1_000,
      };
}

/** One RPC's figures under the mixed load: medians over the windows, with their min–max. */
export interface ScaleRpcLine {
  readonly rpc: 'ListGuests' | 'GetGuest';
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p99MsRange: readonly [number, number];
  readonly errors: number;
  readonly firstError?: string;
}

/** The server process's memory, MiB. */
export interface ScaleMemory {
  /** After the set-up and one listing of every target, before the load. */
  readonly rssBeforeMB: number;
  /** The highest RSS sampled (every 250 ms) in each window: median and min–max over the windows. */
  readonly rssPeakMB: number;
  readonly rssPeakRangeMB: readonly [number, number];
  /** The highest V8 heap in use sampled over all windows. */
  readonly heapUsedPeakMB: number;
  /** Once the load has stopped. */
  readonly rssAfterMB: number;
}

/** The scale scenario's results, or why it could not run. */
export type ServerScaleResult =
  | {
      readonly shape: ScaleShape;
      readonly guests: number;
      readonly targets: number;
      readonly lines: readonly ScaleRpcLine[];
      readonly memory: ScaleMemory;
      /** WatchOperation streams that saw their operation end, and those that failed, over the windows. */
      readonly watchesCompleted: number;
      readonly watchErrors: number;
      readonly firstWatchError?: string;
    }
  | { readonly unavailable: string };

const MB = 2 ** 20;

/**
 * hvc-server in its own process holding `organisations × targetsPerOrganisation` Proxmox targets of
 * `guestsPerTarget` guests each (all on one responder process, each target with its own connector), one operator
 * per organisation. While `watchStreams` loops each start a stopped guest and follow the operation with
 * WatchOperation (gRPC, server streaming) until it ends, closed-loop callers read GetGuest and ListGuests (first
 * page of 100; the server lists the whole target) over Connect JSON, each call with a random organisation's token
 * on one of its targets. Reports each RPC's throughput and p50/p99 latency per window, and the server process's
 * RSS sampled every 250 ms.
 */
export async function runServerScale(
  settings: BenchSettings,
  certificate: BenchCertificate,
  log: (line: string) => void,
  shape: ScaleShape = scaleShape(settings),
): Promise<ServerScaleResult> {
  const targets = shape.organisations * shape.targetsPerOrganisation;
  log(
    `server scale: ${targets * shape.guestsPerTarget} guests on ${targets} targets of ${shape.organisations} ` +
      `organisations, ${shape.watchStreams} WatchOperation streams`,
  );
  const responder = await ResponderProcess.start(
    { guests: shape.guestsPerTarget, nodes: 8, taskDurationMs: shape.taskDurationMs },
    certificate,
  );
  let server: ServerProcess | undefined;
  try {
    server = await ServerProcess.startOn(responder.target, {
      concurrency: 4,
      guestIds: [],
      tenants: { organisations: shape.organisations, targetsPerOrganisation: shape.targetsPerOrganisation },
    });
    return await measure(server, shape, targets, log);
  } catch (error) {
    const reason = `the scale scenario failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    process.stderr.write(`\n*** ${reason} ***\n\n`);
    return { unavailable: reason };
  } finally {
    await server?.close();
    await responder.close();
  }
}

async function measure(
  server: ServerProcess,
  shape: ScaleShape,
  targets: number,
  log: (line: string) => void,
): Promise<ServerScaleResult> {
  const unary = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useBinaryFormat: false });
  const streaming = createGrpcTransport({ baseUrl: server.url });
  const guests = createClient(GuestService, unary);
  const starter = createClient(GuestService, streaming);
  const operations = createClient(OperationService, streaming);
  const fleet = buildGuestFleet(shape.guestsPerTarget, 8).guests;
  const idOf = (guest: (typeof fleet)[number]) => `${guest.type}/${guest.vmid}`;
  const stopped = fleet.filter((guest) => !guest.running).map(idOf);
  const all = fleet.map(idOf);
  const tenants = server.tenants;
  let pick = 0;
  // Walks every organisation, target and guest in turn: each call is some organisation's, on its own target.
  const next = (ids: readonly string[]) => {
    const n = pick++;
    const tenant = tenants[n % tenants.length] as TenantAccess;
    const targetId = tenant.targetIds[Math.floor(n / tenants.length) % tenant.targetIds.length] as string;
    return { targetId, guestId: ids[n % ids.length] as string, headers: authorization(tenant) };
  };
  const getGuest = () => {
    const { targetId, guestId, headers } = next(all);
    return guests.getGuest({ targetId, guestId }, { headers });
  };
  const listGuests = () => {
    const { targetId, headers } = next(all);
    return guests.listGuests({ targetId }, { headers });
  };
  // Every target listed once: its connector is made and its guests' locations known before anything is timed.
  for (const tenant of tenants) {
    for (const targetId of tenant.targetIds) {
      await guests.listGuests({ targetId }, { headers: authorization(tenant) });
    }
  }
  const rssBeforeMB = (await server.memory()).rssBytes / MB;

  let watching = true;
  let watchesCompleted = 0;
  let watchErrors = 0;
  let firstWatchError: string | undefined;
  // Each stream has its own target and its own share of the stopped guests, so no two start the same guest at once
  // (a guest with a task running refuses another start): the targets are all on one responder, whose guests are
  // the same for every target.
  const placed = tenants.flatMap((tenant) => tenant.targetIds.map((targetId) => ({ tenant, targetId })));
  const watchLoop = async (_: unknown, stream: number) => {
    const { tenant, targetId } = placed[stream % placed.length] as (typeof placed)[number];
    const headers = authorization(tenant);
    const own = stopped.filter((_id, i) => i % shape.watchStreams === stream);
    let turn = 0;
    while (watching) {
      const guestId = own[turn++ % own.length] as string;
      try {
        const started = await starter.startGuest({ targetId, guestId }, { headers });
        const operationId = started.operation?.id ?? '';
        for await (const _update of operations.watchOperation({ targetId, operationId }, { headers })) {
          // Every update is read; the stream ends with the operation.
        }
        watchesCompleted++;
      } catch (error) {
        watchErrors++;
        firstWatchError ??= error instanceof Error ? error.message : String(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const watches = Array.from({ length: shape.watchStreams }, watchLoop);

  const loads = (durationMs: number) =>
    Promise.all([
      runLoad(getGuest, { concurrency: shape.getGuestCallers, durationMs }),
      runLoad(listGuests, { concurrency: shape.listGuestsCallers, durationMs }),
    ]);
  try {
    await loads(shape.warmupMs);
    watchesCompleted = 0;
    watchErrors = 0;
    const windows: Array<readonly [LoadResult, LoadResult]> = [];
    const peaks: number[] = [];
    let heapPeak = 0;
    for (let w = 0; w < shape.windows; w++) {
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const memory = await server.memory();
          peak = Math.max(peak, memory.rssBytes);
          heapPeak = Math.max(heapPeak, memory.heapUsedBytes);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();
      const [get, list] = await loads(shape.windowMs);
      sampling = false;
      await sampler;
      windows.push([get, list]);
      peaks.push(peak / MB);
      log(
        `server scale: window ${w + 1}: GetGuest p99 ${get.p99Ms.toFixed(1)} ms, ListGuests p99 ` +
          `${list.p99Ms.toFixed(1)} ms, server RSS peak ${(peak / MB).toFixed(0)} MiB`,
      );
    }
    watching = false;
    await Promise.all(watches);
    const rssAfterMB = (await server.memory()).rssBytes / MB;
    const line = (rpc: ScaleRpcLine['rpc'], runs: LoadResult[]): ScaleRpcLine => {
      const p99s = runs.map((run) => run.p99Ms);
      const errors = runs.reduce((sum, run) => sum + run.errors, 0);
      const firstError = runs.find((run) => run.firstError)?.firstError;
      return {
        rpc,
        perSecond: median(runs.map((run) => run.perSecond)),
        p50Ms: median(runs.map((run) => run.p50Ms)),
        p99Ms: median(p99s),
        p99MsRange: [Math.min(...p99s), Math.max(...p99s)],
        errors,
        ...(firstError === undefined ? {} : { firstError }),
      };
    };
    return {
      shape,
      guests: targets * shape.guestsPerTarget,
      targets,
      lines: [
        line(
          'ListGuests',
          windows.map(([, list]) => list),
        ),
        line(
          'GetGuest',
          windows.map(([get]) => get),
        ),
      ],
      memory: {
        rssBeforeMB,
        rssPeakMB: median(peaks),
        rssPeakRangeMB: [Math.min(...peaks), Math.max(...peaks)],
        heapUsedPeakMB: heapPeak / MB,
        rssAfterMB,
      },
      watchesCompleted,
      watchErrors,
      ...(firstWatchError === undefined ? {} : { firstWatchError }),
    };
  } finally {
    watching = false;
    await Promise.all(watches);
  }
}

function authorization(tenant: TenantAccess): Record<string, string> {
  return { authorization: `Bearer ${tenant.token}` };
}
