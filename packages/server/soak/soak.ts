/**
 * The soak: `hvc-server demo` on loopback, with its Proxmox VE fake in a process of its own (`hvc-pve-fake`), and
 * 200 concurrent clients (half Connect JSON over HTTP/1.1, half gRPC) for 5 minutes of reads. Then a verdict on the
 * server process alone: error rate, p50/p99 latency, JS heap after a full GC at warm-up and at the end, RSS over the
 * first and the last minute after warm-up, and its open file descriptors and sockets before and after. It stops by
 * itself and writes `RESULTS.md` next to this file. `HVC_SOAK_SECONDS`, `HVC_SOAK_CLIENTS` and
 * `HVC_SOAK_WARMUP_SECONDS` shorten it; `HVC_SOAK_SNAPSHOT_DIR` writes heap snapshots at warm-up and at the end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService } from '@hvc/client/v1';
import { type ReadyChild, startReadyChild } from './child-process.js';
import { probe } from './probe-client.js';
import { descriptors, rss } from './process-stats.js';
import { type MemorySample, type SoakOutcome, soakReport } from './soak-report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SECONDS = Number(process.env.HVC_SOAK_SECONDS ?? 300);
const CLIENTS = Number(process.env.HVC_SOAK_CLIENTS ?? 200);
const WARMUP_SECONDS = Number(process.env.HVC_SOAK_WARMUP_SECONDS ?? 30);
const SNAPSHOT_DIR = process.env.HVC_SOAK_SNAPSHOT_DIR;
/** How often the server's memory is sampled. */
const SAMPLE_SECONDS = 2;
/** The end's heap sample is taken this long before the load stops, still under load like the warm-up's. */
const END_SAMPLE_LEAD_SECONDS = 3;

interface DemoInfo {
  readonly url: string;
  readonly viewerToken: string;
  readonly targetId: string;
  readonly guestId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const fake = await startReadyChild<Record<string, string>>({
    script: join(here, '..', '..', 'pve-fake', 'src', 'bin.ts'),
    args: ['--nodes', '2', '--qemu', '2', '--lxc', '1', '--task-ms', '1500'],
    cwd: join(here, '..'),
    env: { PATH: process.env.PATH ?? '' },
    nodeFlags: ['--expose-gc', '--trace-warnings'],
    preload: [join(here, 'memory-probe.ts')],
    ipc: true,
  });
  let server: ReadyChild<DemoInfo> | undefined;
  try {
    server = await startReadyChild<DemoInfo>({
      script: join(here, '..', 'src', 'cli.ts'),
      args: ['demo', '--json'],
      cwd: join(here, '..'),
      env: {
        PATH: process.env.PATH ?? '',
        HVC_PORT: '0',
        HVC_HOST: '127.0.0.1',
        HVC_LOG_LEVEL: 'warn',
        HVC_DEMO_PVE: JSON.stringify(fake.ready),
      },
      nodeFlags: ['--expose-gc', '--trace-warnings'],
      preload: [join(here, 'memory-probe.ts')],
      ipc: true,
    });
    // Any warning (printed with its stack) can then be told apart: the server's, the fake's or the soak's own.
    process.stderr.write(`soak ${process.pid}, server ${server.child.pid}, fake ${fake.child.pid}\n`);
    const outcome = await soak(server, fake);
    const { report, passed } = soakReport(outcome);
    writeFileSync(join(here, 'RESULTS.md'), report);
    process.stdout.write(report);
    return passed ? 0 : 1;
  } finally {
    await server?.stop();
    await fake.stop();
  }
}

/** Runs the load against the server and measures it. */
async function soak(server: ReadyChild<DemoInfo>, fake: ReadyChild<unknown>): Promise<SoakOutcome> {
  const { child, ready: info } = server;
  const pid = child.pid!;
  const fakePid = fake.child.pid!;
  const before = descriptors(pid);
  const headers = { authorization: `Bearer ${info.viewerToken}` };
  const transports = [
    createConnectTransport({ baseUrl: info.url, httpVersion: '1.1' }),
    createGrpcTransport({ baseUrl: info.url }),
  ];
  const latencies: number[] = [];
  const samples: MemorySample[] = [];
  let errors = 0;
  let calls = 0;
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  const seconds = () => (Date.now() - started) / 1000;
  // The JS heap that survives a full GC, in the server and in the fake.
  const heapAfterGc = async (name: string) => {
    const [serverHeap, fakeHeap] = await Promise.all([
      probe(child, { type: 'sample', gc: true }),
      probe(fake.child, { type: 'sample', gc: true }),
    ]);
    if (SNAPSHOT_DIR)
      await probe(child, { type: 'snapshot', file: join(SNAPSHOT_DIR, `${name}.heapsnapshot`) });
    return { server: serverHeap.heapUsed, fake: fakeHeap.heapUsed };
  };
  let warmRss = 0;
  let warmHeap: Promise<{ server: number; fake: number }> | undefined;
  let endHeap: Promise<{ server: number; fake: number }> | undefined;
  const warmTimer = setTimeout(() => {
    warmRss = rss(pid);
    latencies.length = 0;
    warmHeap = heapAfterGc('warm');
  }, WARMUP_SECONDS * 1000);
  const endTimer = setTimeout(
    () => {
      endHeap = heapAfterGc('end');
    },
    (SECONDS - END_SAMPLE_LEAD_SECONDS) * 1000,
  );
  const sampler = setInterval(() => {
    const at = seconds();
    const serverRss = rss(pid);
    const fakeRss = rss(fakePid);
    void probe(child, { type: 'sample', gc: false }).then((usage) => {
      samples.push({ at, rss: serverRss, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, fakeRss });
      process.stderr.write(
        `${at.toFixed(0)} s: server RSS ${(serverRss / 2 ** 20).toFixed(1)} MiB, heap ${(usage.heapUsed / 2 ** 20).toFixed(1)} / ${(usage.heapTotal / 2 ** 20).toFixed(1)} MiB; fake RSS ${(fakeRss / 2 ** 20).toFixed(1)} MiB; ${calls} calls\n`,
      );
    });
  }, SAMPLE_SECONDS * 1000);
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const guests = createClient(GuestService, transports[i % 2]!);
      for (let n = 0; Date.now() < deadline; n++) {
        const t0 = performance.now();
        try {
          if (n % 4 === 0)
            await guests.listGuests({ targetId: info.targetId }, { headers, timeoutMs: 10_000 });
          else
            await guests.getGuest(
              { targetId: info.targetId, guestId: info.guestId },
              { headers, timeoutMs: 10_000 },
            );
        } catch {
          errors++;
        }
        calls++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  clearTimeout(warmTimer);
  clearTimeout(endTimer);
  clearInterval(sampler);
  const endRss = rss(pid);
  const heaps = { warm: await warmHeap, end: await endHeap };
  // Let idle connections close before counting descriptors again.
  await sleep(6_000);
  return {
    seconds: SECONDS,
    clients: CLIENTS,
    warmupSeconds: WARMUP_SECONDS,
    sampleSeconds: SAMPLE_SECONDS,
    endSampleLeadSeconds: END_SAMPLE_LEAD_SECONDS,
    calls,
    errors,
    latencies,
    samples,
    pointRss: { warm: warmRss, end: endRss },
    heapAfterGc: { warm: heaps.warm?.server ?? 0, end: heaps.end?.server ?? 0 },
    fakeHeapAfterGc: { warm: heaps.warm?.fake ?? 0, end: heaps.end?.fake ?? 0 },
    descriptors: { before, after: descriptors(pid) },
  };
}

process.exitCode = await main();
