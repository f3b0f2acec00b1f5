import { pairedRatio, ratio, round, type Spread, spreadOf } from '../load/stats.js';
import type { ClientMeasurement } from '../scenarios/measured-client.js';
import type { SingleCallCase } from '../scenarios/single-call.js';
import type { BenchReport } from './bench-report.js';

/** The headline numbers `--json` prints: ratios are ours / theirs from the same run; `null` where not measured. */
export interface JsonSummary {
  readonly getGuestVsRawUndici: number | null;
  readonly getGuestVsProxmoxApi: number | null;
  readonly getGuestVsProxmoxer: number | null;
  readonly fleetListMs: number | null;
  readonly fleetListHeapMB: number | null;
  readonly fanoutVsIdeal: number | null;
  readonly pollsPerOperation: number | null;
  readonly serverConnectVsDirect: number | null;
  readonly serverGrpcVsDirect: number | null;
  /** hvc-server's CPU per GetGuest over a bare ConnectRPC handler's, concurrency 64 (median of interleaved runs). */
  readonly serverCpuVsBareConnect: ByProtocol;
  /**
   * The same with a memory target, whose connector answers from memory as the bare handler does: what hvc-server's
   * own layers cost, without the hypervisor read the Proxmox figure includes.
   */
  readonly serverOwnCpuVsBareConnect: ByProtocol;
  /**
   * hvc-server's CPU per GetGuest on the Proxmox target over the bare handler that makes the same connector read
   * before it answers: what the server's layers add to a call that reads the hypervisor.
   */
  readonly serverCpuVsBareRead: ByProtocol;
  /** `listGuests` calls/s, hvc over raw undici, at concurrency 1 and 32 (median of the interleaved rounds' ratios). */
  readonly listGuestsVsRawUndici: ByConcurrency;
  /** `listGuests` calls/s, hvc over `proxmox-api`, at concurrency 1 and 32. */
  readonly listGuestsVsProxmoxApi: ByConcurrency;
  /** `listGuests` calls/s, hvc over proxmoxer (measured right after, not interleaved), at concurrency 1 and 32. */
  readonly listGuestsVsProxmoxer: ByConcurrency;
  /** The fleet listing's wall time, hvc over raw undici's one `/cluster/resources` call (lower is better). */
  readonly fleetListTimeVsRawUndici: number | null;
  /** The fleet listing's memory growth (V8 heap + external), hvc over raw undici's one call (lower is better). */
  readonly fleetListHeapVsRawUndici: number | null;
  /**
   * The scale scenario: the server process's peak RSS (MiB) and the p99 latency (ms) of ListGuests and GetGuest
   * under concurrent WatchOperation streams, medians over its windows.
   */
  readonly scaleRssPeakMB: number | null;
  readonly scaleListGuestsP99Ms: number | null;
  readonly scaleGetGuestP99Ms: number | null;
  /** The min–max behind each headline figure above that has one (same keys, `c1`/`c32` suffixed where split). */
  readonly spreads: Readonly<Record<string, readonly [number, number] | null>>;
}

/** A figure per wire protocol of the server scenario. */
export interface ByProtocol {
  readonly connectJson: number | null;
  readonly grpc: number | null;
}

/** A figure at concurrency 1 and at 32. */
export interface ByConcurrency {
  readonly c1: number | null;
  readonly c32: number | null;
}

/** The label of raw undici's single `/cluster/resources` call in the fleet listing. */
export const RAW_FLEET_LABEL = 'raw undici, one /cluster/resources call';

/** The concurrency the `getGuest` ratios are taken at (the one the targets name). */
export const HEADLINE_CONCURRENCY = 32;

/** Requests per second of `label` in `one` case. */
export function perSecondOf(one: SingleCallCase | undefined, label: string): number | null {
  return one?.clients.find((client) => client.label === label)?.perSecond ?? null;
}

/** The `getGuest` case at the headline concurrency. */
export function headlineGetGuest(report: BenchReport): SingleCallCase | undefined {
  return report.singleCall.cases.find((c) => c.call === 'getGuest' && c.concurrency === HEADLINE_CONCURRENCY);
}

/** The concurrency the server ratios are taken at (the one the target names). */
export const SERVER_HEADLINE_CONCURRENCY = 64;

/**
 * Calls per second of `label` through the server over the direct library call, at the headline concurrency; null
 * when either line had failed calls (its `note` says so): the rate of a way that fails is no throughput.
 */
export function serverRatio(report: BenchReport, label: string): number | null {
  if ('unavailable' in report.server) return null;
  const one = report.server.cases.find((c) => c.concurrency === SERVER_HEADLINE_CONCURRENCY);
  const of = (name: string) => {
    const client = one?.clients.find((line) => line.label === name);
    return client === undefined || client.note !== undefined ? null : client.perSecond;
  };
  return ratio(of(label), of('direct library call'));
}

/** hvc-server's CPU per call over the bare ConnectRPC baseline's, per protocol; null where not measured. */
export function serverCpuVsBare(
  report: BenchReport,
  baseline: ServerCpuBaseline = 'proxmox',
): JsonSummary['serverCpuVsBareConnect'] {
  const ratios = serverCpuRatios(report, baseline);
  return {
    connectJson: round(ratios?.connectJson?.median ?? null),
    grpc: round(ratios?.grpc?.median ?? null),
  };
}

/**
 * Which server CPU ratio: the Proxmox target or the memory target over the bare handler answering from memory, or
 * the Proxmox target over the bare handler making the same connector read.
 */
export type ServerCpuBaseline = 'proxmox' | 'memory' | 'read';

/** The server CPU ratios with their spreads, for one {@link ServerCpuBaseline}. */
function serverCpuRatios(report: BenchReport, baseline: ServerCpuBaseline) {
  if ('unavailable' in report.server) return undefined;
  if (baseline === 'proxmox') return report.server.serverCpuVsBareConnect;
  return baseline === 'memory' ? report.server.serverOwnCpuVsBareConnect : report.server.serverCpuVsBareRead;
}

/** The min–max of a server CPU ratio. */
function serverCpuSpread(
  report: BenchReport,
  baseline: ServerCpuBaseline,
  protocol: 'connectJson' | 'grpc',
): readonly [number, number] | null {
  const range = serverCpuRatios(report, baseline)?.[protocol]?.range;
  return range === undefined ? null : [round(range[0]) as number, round(range[1]) as number];
}

/** The clients measured interleaved, each in its own process, whose runs pair up round by round (proxmoxer runs after). */
const INTERLEAVED = new Set(['hvc', 'raw undici', 'proxmox-api']);

const byLabel = (one: SingleCallCase | undefined, label: string): ClientMeasurement | undefined =>
  one?.clients.find((client) => client.label === label);

/** hvc's calls/s over `label`'s in the `call` case at `concurrency`, with the spread of the rounds. */
export function callRatio(
  report: BenchReport,
  call: SingleCallCase['call'],
  concurrency: number,
  label: string,
): Spread {
  const one = report.singleCall.cases.find((c) => c.call === call && c.concurrency === concurrency);
  const side = (client: ClientMeasurement | undefined) => ({
    median: client?.perSecond ?? null,
    ...(client?.perSecondRuns === undefined || !INTERLEAVED.has(label) ? {} : { runs: client.perSecondRuns }),
    range: client?.perSecondRange ?? null,
  });
  return pairedRatio(side(byLabel(one, 'hvc')), side(byLabel(one, label)));
}

const rounded = (spread: Spread) => round(spread.median);
const roundedRange = (spread: Spread): readonly [number, number] | null =>
  spread.range === null ? null : [round(spread.range[0]) as number, round(spread.range[1]) as number];

/** A line of the scale scenario, when it ran. */
function scaleLine(report: BenchReport, rpc: 'ListGuests' | 'GetGuest') {
  const scale = report.scale;
  return scale === undefined || 'unavailable' in scale
    ? undefined
    : scale.lines.find((line) => line.rpc === rpc);
}

/** Builds the `--json` summary from a report. */
export function jsonSummary(report: BenchReport): JsonSummary {
  const getGuest = headlineGetGuest(report);
  const ours = perSecondOf(getGuest, 'hvc');
  const fleet = report.fleet.lines.find((line) => line.label.startsWith('hvc'));
  const fanout = report.fanout.lines.find((line) => line.label.startsWith('hvc'));
  const rawFleet = report.fleet.lines.find((line) => line.label === RAW_FLEET_LABEL);
  const list = (label: string, concurrency: number) => callRatio(report, 'listGuests', concurrency, label);
  const listRaw = [list('raw undici', 1), list('raw undici', 32)] as const;
  const listApi = [list('proxmox-api', 1), list('proxmox-api', 32)] as const;
  const listPy = [list('proxmoxer', 1), list('proxmoxer', 32)] as const;
  const fleetSide = (line: typeof fleet, runs: 'wallMsRuns' | 'heapGrowthMBRuns') => ({
    median: (runs === 'wallMsRuns' ? line?.wallMs : line?.heapGrowthMB) ?? null,
    ...(line?.[runs] === undefined ? {} : { runs: line[runs] }),
  });
  const fleetTime = pairedRatio(fleetSide(fleet, 'wallMsRuns'), fleetSide(rawFleet, 'wallMsRuns'));
  const fleetHeap = pairedRatio(
    fleetSide(fleet, 'heapGrowthMBRuns'),
    fleetSide(rawFleet, 'heapGrowthMBRuns'),
  );
  const fleetWall = spreadOf(fleet?.wallMsRuns ?? []);
  const fleetHeapMB = spreadOf(fleet?.heapGrowthMBRuns ?? []);
  const fanoutRange = fanout?.wallMsRange ?? null;
  const taskMs = report.fanout.taskDurationMs;
  const scaleMemory =
    report.scale === undefined || 'unavailable' in report.scale ? undefined : report.scale.memory;
  const scaleList = scaleLine(report, 'ListGuests');
  const scaleGet = scaleLine(report, 'GetGuest');
  const range = (values: readonly [number, number] | undefined): readonly [number, number] | null =>
    values === undefined ? null : [round(values[0]) as number, round(values[1]) as number];
  return {
    getGuestVsRawUndici: round(ratio(ours, perSecondOf(getGuest, 'raw undici'))),
    getGuestVsProxmoxApi: round(ratio(ours, perSecondOf(getGuest, 'proxmox-api'))),
    getGuestVsProxmoxer: round(ratio(ours, perSecondOf(getGuest, 'proxmoxer'))),
    fleetListMs: round(fleet?.wallMs ?? null),
    fleetListHeapMB: round(fleet?.heapGrowthMB ?? null),
    fanoutVsIdeal: round(fanout?.vsIdeal ?? null),
    pollsPerOperation: round(fanout?.pollsPerOperation ?? null),
    serverConnectVsDirect: round(serverRatio(report, 'server, Connect JSON')),
    serverGrpcVsDirect: round(serverRatio(report, 'server, gRPC')),
    serverCpuVsBareConnect: serverCpuVsBare(report),
    serverOwnCpuVsBareConnect: serverCpuVsBare(report, 'memory'),
    serverCpuVsBareRead: serverCpuVsBare(report, 'read'),
    listGuestsVsRawUndici: { c1: rounded(listRaw[0]), c32: rounded(listRaw[1]) },
    listGuestsVsProxmoxApi: { c1: rounded(listApi[0]), c32: rounded(listApi[1]) },
    listGuestsVsProxmoxer: { c1: rounded(listPy[0]), c32: rounded(listPy[1]) },
    fleetListTimeVsRawUndici: rounded(fleetTime),
    fleetListHeapVsRawUndici: rounded(fleetHeap),
    scaleRssPeakMB: round(scaleMemory?.rssPeakMB ?? null),
    scaleListGuestsP99Ms: round(scaleList?.p99Ms ?? null),
    scaleGetGuestP99Ms: round(scaleGet?.p99Ms ?? null),
    spreads: {
      getGuestVsRawUndici: roundedRange(callRatio(report, 'getGuest', HEADLINE_CONCURRENCY, 'raw undici')),
      getGuestVsProxmoxApi: roundedRange(callRatio(report, 'getGuest', HEADLINE_CONCURRENCY, 'proxmox-api')),
      listGuestsVsRawUndiciC1: roundedRange(listRaw[0]),
      listGuestsVsRawUndiciC32: roundedRange(listRaw[1]),
      listGuestsVsProxmoxApiC1: roundedRange(listApi[0]),
      listGuestsVsProxmoxApiC32: roundedRange(listApi[1]),
      listGuestsVsProxmoxerC1: roundedRange(listPy[0]),
      listGuestsVsProxmoxerC32: roundedRange(listPy[1]),
      fleetListMs: roundedRange(fleetWall),
      fleetListHeapMB: roundedRange(fleetHeapMB),
      fleetListTimeVsRawUndici: roundedRange(fleetTime),
      fleetListHeapVsRawUndici: roundedRange(fleetHeap),
      fanoutVsIdeal:
        fanoutRange === null || taskMs === 0
          ? null
          : [round(fanoutRange[0] / taskMs) as number, round(fanoutRange[1] / taskMs) as number],
      scaleRssPeakMB: range(scaleMemory?.rssPeakRangeMB),
      scaleListGuestsP99Ms: range(scaleList?.p99MsRange),
      scaleGetGuestP99Ms: range(scaleGet?.p99MsRange),
      serverCpuVsBareConnectJson: serverCpuSpread(report, 'proxmox', 'connectJson'),
      serverCpuVsBareGrpc: serverCpuSpread(report, 'proxmox', 'grpc'),
      serverOwnCpuVsBareConnectJson: serverCpuSpread(report, 'memory', 'connectJson'),
      serverOwnCpuVsBareGrpc: serverCpuSpread(report, 'memory', 'grpc'),
      serverCpuVsBareReadConnectJson: serverCpuSpread(report, 'read', 'connectJson'),
      serverCpuVsBareReadGrpc: serverCpuSpread(report, 'read', 'grpc'),
    },
  };
}
