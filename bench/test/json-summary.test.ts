import { describe, expect, it } from 'vitest';
import { benchSettings } from '../src/bench-settings.js';
import type { BenchReport } from '../src/report/bench-report.js';
import { jsonSummary } from '../src/report/json-summary.js';
import type { MachineInfo } from '../src/report/machine-info.js';
import type { ClientMeasurement } from '../src/scenarios/measured-client.js';
import { scaleShape } from '../src/scenarios/server-scale.js';

const machine: MachineInfo = {
  cores: 2,
  cpuModel: 'test',
  memoryGiB: 24,
  node: 'v20.19.0',
  loadAverage: [0, 0, 0],
};

const client = (label: string, perSecond: number | null): ClientMeasurement => ({
  label,
  perSecond,
  perSecondRange: perSecond === null ? null : [perSecond, perSecond],
  p50Ms: 1,
  p99Ms: 2,
  responderCpuShare: 0.5,
  requestsPerCall: 2,
});

function report(hvc: number | null): BenchReport {
  return {
    command: 'pnpm bench',
    quick: true,
    startedAt: new Date(0),
    finishedAt: new Date(1_000),
    machineAtStart: machine,
    machineAtEnd: machine,
    source: { commit: 'abc', modifiedPaths: [] },
    connector: { measured: hvc !== null },
    proxmoxer: { version: '1.2.0' },
    proxmoxApiVersion: '1.1.1',
    ceiling: { concurrency: 64, lines: [] },
    singleCall: {
      guests: 5_000,
      nodes: 32,
      cases: [
        { call: 'getGuest', concurrency: 1, clients: [client('hvc', 1), client('raw undici', 1_000)] },
        {
          call: 'getGuest',
          concurrency: 32,
          clients: [
            client('raw undici', 1_000),
            client('hvc', hvc),
            client('proxmox-api', 250),
            client('proxmoxer', null),
          ],
        },
      ],
    },
    fleet: {
      guests: 10_000,
      nodes: 32,
      connections: 4,
      lines: [
        {
          label: 'hvc listGuests (one call)',
          wallMs: hvc === null ? null : 123.456,
          heapGrowthMB: hvc === null ? null : 40.04,
          requests: 1,
          guestsListed: 10_000,
        },
      ],
    },
    fanout: {
      operations: 1_000,
      taskDurationMs: 2_000,
      concurrencyCap: 4,
      lines: [
        {
          label: 'hvc (backoff)',
          wallMs: 2_500,
          vsIdeal: hvc === null ? null : 1.25,
          pollsPerOperation: hvc === null ? null : 3.5,
          requestsPerOperation: 5.5,
          startSpreadMs: 300,
          socketsOpened: 4,
          maxInFlight: 4,
          detectionLagMs: 100,
          failed: 0,
        },
      ],
    },
    server:
      hvc === null
        ? { unavailable: 'no connector' }
        : {
            cases: [
              {
                concurrency: 64,
                clients: [
                  client('direct library call', 1_000),
                  client('server, Connect JSON', 600),
                  client('server, gRPC', 700),
                ],
              },
            ],
            jwtVerifyMicros: 100,
            userLookupMicros: 50,
            serverCpuVsBareConnect: { connectJson: { median: 1.8, range: [1.6, 2.1] }, grpc: null },
            serverOwnCpuVsBareConnect: { connectJson: null, grpc: { median: 1.3, range: [1.2, 1.45] } },
            serverCpuVsBareRead: { connectJson: { median: 1.4, range: [1.25, 1.7] }, grpc: null },
          },
  };
}

describe('jsonSummary', () => {
  it('takes the getGuest ratios at concurrency 32, ours over theirs, and the hvc lines of the other scenarios', () => {
    expect(jsonSummary(report(900))).toMatchObject({
      getGuestVsRawUndici: 0.9,
      getGuestVsProxmoxApi: 3.6,
      getGuestVsProxmoxer: null,
      fleetListMs: 123,
      fleetListHeapMB: 40,
      fanoutVsIdeal: 1.25,
      pollsPerOperation: 3.5,
      serverConnectVsDirect: 0.6,
      serverGrpcVsDirect: 0.7,
      serverCpuVsBareConnect: { connectJson: 1.8, grpc: null },
      serverOwnCpuVsBareConnect: { connectJson: null, grpc: 1.3 },
      serverCpuVsBareRead: { connectJson: 1.4, grpc: null },
    });
    expect(jsonSummary(report(900)).spreads).toMatchObject({
      serverCpuVsBareConnectJson: [1.6, 2.1],
      serverCpuVsBareGrpc: null,
      serverOwnCpuVsBareConnectJson: null,
      serverOwnCpuVsBareGrpc: [1.2, 1.45],
      serverCpuVsBareReadConnectJson: [1.25, 1.7],
      serverCpuVsBareReadGrpc: null,
    });
  });

  it('is null wherever hvc was not measured', () => {
    const {
      serverCpuVsBareConnect,
      serverOwnCpuVsBareConnect,
      serverCpuVsBareRead,
      listGuestsVsRawUndici,
      listGuestsVsProxmoxApi,
      listGuestsVsProxmoxer,
      spreads,
      ...plain
    } = jsonSummary(report(null));
    expect(serverCpuVsBareConnect).toEqual({ connectJson: null, grpc: null });
    expect(serverOwnCpuVsBareConnect).toEqual({ connectJson: null, grpc: null });
    expect(serverCpuVsBareRead).toEqual({ connectJson: null, grpc: null });
    expect(Object.keys(plain)).toHaveLength(14);
    for (const value of Object.values(plain)) expect(value).toBeNull();
    for (const split of [listGuestsVsRawUndici, listGuestsVsProxmoxApi, listGuestsVsProxmoxer]) {
      expect(split).toEqual({ c1: null, c32: null });
    }
    for (const range of Object.values(spreads)) expect(range).toBeNull();
  });

  it('takes the scale figures from the scale scenario, with the spread of its windows', () => {
    const shape = scaleShape(benchSettings(true));
    const line = (rpc: 'ListGuests' | 'GetGuest', p99Ms: number) => ({
      rpc,
      perSecond: 10,
      p50Ms: 1,
      p99Ms,
      p99MsRange: [p99Ms - 1, p99Ms + 1] as const,
      errors: 0,
    });
    const summary = jsonSummary({
      ...report(900),
      scale: {
        shape,
        guests: 2_000,
        targets: 10,
        lines: [line('ListGuests', 120), line('GetGuest', 40)],
        memory: {
          rssBeforeMB: 150,
          rssPeakMB: 210.4,
          rssPeakRangeMB: [200, 220],
          heapUsedPeakMB: 90,
          rssAfterMB: 205,
        },
        watchesCompleted: 100,
        watchErrors: 0,
      },
    });
    expect(summary).toMatchObject({ scaleRssPeakMB: 210, scaleListGuestsP99Ms: 120, scaleGetGuestP99Ms: 40 });
    expect(summary.spreads.scaleRssPeakMB).toEqual([200, 220]);
    expect(summary.spreads.scaleGetGuestP99Ms).toEqual([39, 41]);
    expect(jsonSummary({ ...report(900), scale: { unavailable: 'no' } }).scaleRssPeakMB).toBeNull();
  });

  it('gives no server ratio for a way whose calls failed, rather than the 0x of its rate', () => {
    const base = report(900);
    if ('unavailable' in base.server) throw new Error('the fixture measures the server');
    const failing: ClientMeasurement = {
      ...client('server, Connect JSON', 0),
      note: '141 failed calls; first: ConnectError: [invalid_argument] target refused',
    };
    const cases = base.server.cases.map((one) => ({
      ...one,
      clients: one.clients.map((line) => (line.label === failing.label ? failing : line)),
    }));
    const summary = jsonSummary({ ...base, server: { ...base.server, cases } });
    expect(summary.serverConnectVsDirect).toBeNull();
    expect(summary.serverGrpcVsDirect).toBe(0.7);
  });

  it('takes the listGuests ratios round by round, with their spread, at concurrency 1 and 32', () => {
    const base = report(900);
    const runs = (label: string, perSecondRuns: number[]): ClientMeasurement => ({
      ...client(label, [...perSecondRuns].sort((a, b) => a - b)[1] as number),
      perSecondRange: [Math.min(...perSecondRuns), Math.max(...perSecondRuns)],
      perSecondRuns,
    });
    const listing = (concurrency: number) => ({
      call: 'listGuests' as const,
      concurrency,
      clients: [
        runs('raw undici', [100, 50, 80]),
        runs('hvc', [90, 50, 40]),
        runs('proxmox-api', [45, 45, 45]),
        runs('proxmoxer', [10, 20, 30]),
      ],
    });
    const summary = jsonSummary({
      ...base,
      singleCall: { ...base.singleCall, cases: [...base.singleCall.cases, listing(1), listing(32)] },
    });
    // Rounds: 90/100, 50/50, 40/80 -> 0.9, 1, 0.5: median 0.9, not the 50/80 of the medians.
    expect(summary.listGuestsVsRawUndici).toEqual({ c1: 0.9, c32: 0.9 });
    expect(summary.spreads.listGuestsVsRawUndiciC32).toEqual([0.5, 1]);
    expect(summary.listGuestsVsProxmoxApi).toEqual({ c1: 1.11, c32: 1.11 });
    // proxmoxer runs apart: the ratio of the medians, its spread from the ranges.
    expect(summary.listGuestsVsProxmoxer.c1).toBe(2.5);
    expect(summary.spreads.listGuestsVsProxmoxerC1).toEqual([1.33, 9]);
  });
});
