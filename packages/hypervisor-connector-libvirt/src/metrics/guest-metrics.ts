import type { MetricPoint, MetricSeries, MetricsRequest } from '@hvc/hypervisor-connector';
import { abortableDelay } from '@hvc/hypervisor-connector-kit';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { DomainState } from '../domains/domain-state.js';
import type { LocatedDomain } from '../domains/guest-locator.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { numberParam, type TypedParamValue, typedParamMap } from '../rpc/typed-params.js';
import { RecentMap } from '../util/recent-map.js';

/** `virDomainStatsTypes`: state, total CPU, balloon, vCPUs, interfaces, block devices. */
const STATS = 1 | 2 | 4 | 8 | 16 | 32;
/** A previous sample younger than this (and older than the least window) is reused for rates. */
const SAMPLE_REUSE_MS = 60_000;
const MIN_WINDOW_MS = 100;
/** How many guests' last samples are kept. */
const SAMPLES_KEPT = 10_000;

/** One reading of a guest's counters. */
interface Sample {
  readonly at: number;
  readonly state: number;
  readonly cpuTimeNs?: number;
  readonly vcpus?: number;
  readonly memoryBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly netIn: number;
  readonly netOut: number;
  readonly diskRead: number;
  readonly diskWrite: number;
}

/** The sum of `<group>.<n>.<field>` over every device of a group. */
function sumOver(params: ReadonlyMap<string, TypedParamValue>, group: string, field: string): number {
  const count = numberParam(params, `${group}.count`) ?? 0;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += numberParam(params, `${group}.${i}.${field}`) ?? 0;
  return sum;
}

/** A guest's counters now: one bulk stats call for the one domain. */
async function sample({ host, dom }: LocatedDomain, signal?: AbortSignal): Promise<Sample> {
  const { retStats } = await host.call(
    P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
    { doms: [dom], stats: STATS, flags: 0 },
    signal,
  );
  const params = typedParamMap(retStats[0]?.params ?? []);
  const kib = (field: string) => {
    const value = numberParam(params, field);
    return value === undefined ? undefined : value * 1024;
  };
  const available = kib('balloon.available');
  const unused = kib('balloon.unused');
  const memoryBytes =
    available !== undefined && unused !== undefined ? available - unused : kib('balloon.rss');
  const memoryTotalBytes = kib('balloon.maximum') ?? kib('balloon.current');
  const cpuTimeNs = numberParam(params, 'cpu.time');
  const vcpus = numberParam(params, 'vcpu.current');
  return {
    at: Date.now(),
    state: numberParam(params, 'state.state') ?? 0,
    ...(cpuTimeNs === undefined ? {} : { cpuTimeNs }),
    ...(vcpus === undefined ? {} : { vcpus }),
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
    ...(memoryTotalBytes === undefined ? {} : { memoryTotalBytes }),
    netIn: sumOver(params, 'net', 'rx.bytes'),
    netOut: sumOver(params, 'net', 'tx.bytes'),
    diskRead: sumOver(params, 'block', 'rd.bytes'),
    diskWrite: sumOver(params, 'block', 'wr.bytes'),
  };
}

/** The point of `current`, with loads and rates over the time since `previous`. */
function pointOf(previous: Sample | undefined, current: Sample): MetricPoint {
  const seconds = previous === undefined ? 0 : (current.at - previous.at) / 1000;
  const rate = (field: 'netIn' | 'netOut' | 'diskRead' | 'diskWrite') =>
    previous === undefined || seconds <= 0
      ? undefined
      : Math.max(0, (current[field] - previous[field]) / seconds);
  const cpu =
    previous?.cpuTimeNs === undefined || current.cpuTimeNs === undefined || seconds <= 0
      ? undefined
      : Math.min(
          1,
          Math.max(0, (current.cpuTimeNs - previous.cpuTimeNs) / 1e9 / seconds / (current.vcpus ?? 1)),
        );
  const values: Record<string, number | undefined> = {
    cpu,
    memoryBytes: current.memoryBytes,
    memoryTotalBytes: current.memoryTotalBytes,
    netInBytesPerSecond: rate('netIn'),
    netOutBytesPerSecond: rate('netOut'),
    diskReadBytesPerSecond: rate('diskRead'),
    diskWriteBytesPerSecond: rate('diskWrite'),
  };
  const point: Record<string, string | number> = { time: new Date(current.at).toISOString() };
  for (const [key, value] of Object.entries(values)) if (value !== undefined) point[key] = value;
  return point as unknown as MetricPoint;
}

/**
 * `getMetrics` from the bulk stats call (`CONNECT_GET_ALL_DOMAIN_STATS`). libvirt keeps no history, so the series
 * has one point, now: CPU load (Δ cpu time / Δ wall / vCPUs), memory in use, network and disk rates, measured
 * since this connector's previous sample of the guest when it is recent, else over `metricsWindowMs` (the call then
 * takes that long). `resolutionSeconds` is the window measured. A stopped guest has memory figures only.
 */
export class GuestMetrics {
  readonly #context: LibvirtContext;
  readonly #samples = new RecentMap<string, Sample>(SAMPLES_KEPT);

  constructor(context: LibvirtContext) {
    this.#context = context;
  }

  read(uuid: string, request: MetricsRequest, signal?: AbortSignal): Promise<MetricSeries> {
    return this.#context.locator.withDomain(uuid, signal, async (located) => {
      let previous = this.#samples.get(uuid);
      const age = previous === undefined ? Number.POSITIVE_INFINITY : Date.now() - previous.at;
      if (age > SAMPLE_REUSE_MS) previous = undefined;
      if (previous === undefined) {
        previous = await sample(located, signal);
        if (previous.state !== DomainState.SHUTOFF) {
          await abortableDelay(this.#context.config.metricsWindowMs, signal);
        }
      } else if (age < MIN_WINDOW_MS) {
        await abortableDelay(MIN_WINDOW_MS - age, signal);
      }
      const current = await sample(located, signal);
      this.#samples.set(uuid, current);
      const running = current.state !== DomainState.SHUTOFF;
      return {
        guestId: uuid,
        timeframe: request.timeframe,
        resolutionSeconds: Math.max(0.001, (current.at - previous.at) / 1000),
        points: [pointOf(running ? previous : undefined, current)],
      };
    });
  }
}
