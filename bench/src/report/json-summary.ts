import { ratio, round } from '../load/stats.js';
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
  readonly serverCpuVsBareConnect: { readonly connectJson: number | null; readonly grpc: number | null };
}

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

/** Calls per second of `label` through the server over the direct library call, at the headline concurrency. */
export function serverRatio(report: BenchReport, label: string): number | null {
  if ('unavailable' in report.server) return null;
  const one = report.server.cases.find((c) => c.concurrency === SERVER_HEADLINE_CONCURRENCY);
  const of = (name: string) => one?.clients.find((client) => client.label === name)?.perSecond ?? null;
  return ratio(of(label), of('direct library call'));
}

/** hvc-server's CPU per call over the bare ConnectRPC baseline's, per protocol; null where not measured. */
export function serverCpuVsBare(report: BenchReport): JsonSummary['serverCpuVsBareConnect'] {
  const ratios = 'unavailable' in report.server ? undefined : report.server.serverCpuVsBareConnect;
  return {
    connectJson: round(ratios?.connectJson?.median ?? null),
    grpc: round(ratios?.grpc?.median ?? null),
  };
}

/** Builds the `--json` summary from a report. */
export function jsonSummary(report: BenchReport): JsonSummary {
  const getGuest = headlineGetGuest(report);
  const ours = perSecondOf(getGuest, 'hvc');
  const fleet = report.fleet.lines.find((line) => line.label.startsWith('hvc'));
  const fanout = report.fanout.lines.find((line) => line.label.startsWith('hvc'));
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
  };
}
