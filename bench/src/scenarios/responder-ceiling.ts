import type { BenchSettings } from '../bench-settings.js';
import { RawUndiciClient } from '../clients/raw-undici-client.js';
import { type LoadResult, runLoad } from '../load/load-runner.js';
import { median } from '../load/stats.js';
import { buildGuestFleet } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';

/** The responder's throughput on one body, and how busy it was meanwhile. */
export interface CeilingLine {
  readonly body: string;
  readonly bodyBytes: number;
  readonly perSecond: number;
  /** The responder's CPU use as a share of one core. */
  readonly responderCpuShare: number;
  /** Requests per second the responder could serve with a whole core: `perSecond / responderCpuShare`. */
  readonly ceilingPerSecond: number;
}

/** The responder's own ceiling, measured with raw undici reading and discarding bodies. */
export interface CeilingResult {
  readonly concurrency: number;
  readonly lines: readonly CeilingLine[];
}

const CONCURRENCY = 64;

/**
 * Drives the responder as hard as one client core can (raw undici, 64 sockets, bodies discarded unparsed) and
 * reports its throughput and CPU share: when the share stays well under one core, the responder is not what limits
 * the other scenarios, and `perSecond / share` estimates what it could serve.
 */
export async function runResponderCeiling(
  settings: BenchSettings,
  certificate: BenchCertificate,
  log: (line: string) => void,
): Promise<CeilingResult> {
  log('responder ceiling');
  const responder = await ResponderProcess.start({ guests: 5_000, nodes: 32 }, certificate);
  const client = new RawUndiciClient(responder.target, CONCURRENCY);
  const guest = buildGuestFleet(1, 1).guests[0];
  const bodies = [
    { body: 'status/current (one VM)', path: `/api2/json/nodes/pve1/qemu/${guest?.vmid}/status/current` },
    { body: '/cluster/resources, 5,000 guests', path: '/api2/json/cluster/resources?type=vm' },
  ];
  const lines: CeilingLine[] = [];
  try {
    for (const { body, path } of bodies) {
      const bodyBytes = await client.bodySize(path);
      const call = () => client.getDiscard(path);
      await runLoad(call, { concurrency: CONCURRENCY, durationMs: settings.warmupMs });
      const results: LoadResult[] = [];
      const shares: number[] = [];
      for (let run = 0; run < settings.runs; run++) {
        await responder.reset();
        results.push(await runLoad(call, { concurrency: CONCURRENCY, durationMs: settings.runMs }));
        const stats = await responder.stats();
        shares.push(stats.cpuMs / stats.wallMs);
      }
      const perSecond = median(results.map((result) => result.perSecond));
      const responderCpuShare = median(shares);
      lines.push({
        body,
        bodyBytes,
        perSecond,
        responderCpuShare,
        ceilingPerSecond: perSecond / responderCpuShare,
      });
    }
  } finally {
    await client.close();
    await responder.close();
  }
  return { concurrency: CONCURRENCY, lines };
}
