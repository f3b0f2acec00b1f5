/**
 * The soak: `hvc-server demo` on loopback, 200 concurrent clients (half Connect JSON over HTTP/1.1, half gRPC) for
 * 5 minutes of reads, then a verdict: error rate, p50/p99 latency, the server's RSS after warm-up and at the end
 * (at most 10% growth), and its open file descriptors and sockets before and after. It stops by itself and writes
 * `RESULTS.md` next to this file. `HVC_SOAK_SECONDS`, `HVC_SOAK_CLIENTS` and `HVC_SOAK_WARMUP_SECONDS` shorten it.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService } from '../src/gen/hvc/v1/guests_pb.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.HVC_SOAK_SECONDS ?? 300);
const CLIENTS = Number(process.env.HVC_SOAK_CLIENTS ?? 200);
const WARMUP_SECONDS = Number(process.env.HVC_SOAK_WARMUP_SECONDS ?? 30);

interface DemoInfo {
  readonly url: string;
  readonly viewerToken: string;
  readonly targetId: string;
  readonly guestId: string;
}

/** The server's resident set size, bytes. */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** The server's open file descriptors, and how many of them are sockets. */
function descriptors(pid: number): { fds: number; sockets: number } {
  const fds = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed while we looked.
    }
  }
  return { fds: fds.length, sockets };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=@hvc/source', '--import', 'tsx', join(here, '..', 'src', 'cli.ts'), 'demo', '--json'],
    {
      cwd: join(here, '..'),
      env: { PATH: process.env.PATH ?? '', HVC_PORT: '0', HVC_HOST: '127.0.0.1', HVC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const info = await new Promise<DemoInfo>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the demo exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{')) resolve(JSON.parse(line) as DemoInfo);
      });
    });
    const pid = child.pid!;
    const before = descriptors(pid);
    const headers = { authorization: `Bearer ${info.viewerToken}` };
    const transports = [
      createConnectTransport({ baseUrl: info.url, httpVersion: '1.1' }),
      createGrpcTransport({ baseUrl: info.url }),
    ];
    const latencies: number[] = [];
    let errors = 0;
    let calls = 0;
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    let warmRss = 0;
    const warmTimer = setTimeout(() => {
      warmRss = rss(pid);
      latencies.length = 0;
    }, WARMUP_SECONDS * 1000);
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
    const endRss = rss(pid);
    // Let idle connections close before counting descriptors again.
    await sleep(6_000);
    const after = descriptors(pid);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    const growth = warmRss > 0 ? (endRss - warmRss) / warmRss : 0;
    const errorRate = calls > 0 ? errors / calls : 1;
    const verdicts = {
      'error rate below 0.1%': errorRate < 0.001,
      'RSS growth after warm-up at most 10%': growth <= 0.1,
      'no leaked file descriptors (at most 4 more)': after.fds <= before.fds + 4,
      'no leaked sockets (at most 4 more)': after.sockets <= before.sockets + 4,
    };
    const passed = Object.values(verdicts).every(Boolean);
    const report = [
      '# Soak results',
      '',
      `Last run: ${new Date().toISOString()} — \`pnpm soak\` (packages/server/soak/soak.ts), loopback only.`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mib(totalmem())}, Node ${process.version}.`,
      `Load: ${CLIENTS} concurrent clients (half Connect JSON over HTTP/1.1, half gRPC over h2c) for ${SECONDS} s`,
      `against \`hvc-server demo\` (GetGuest 3 : ListGuests 1, viewer token); the first ${WARMUP_SECONDS} s are warm-up.`,
      '',
      '| Measure | Value |',
      '| --- | --- |',
      `| Calls | ${calls} (${(calls / SECONDS).toFixed(0)}/s) |`,
      `| Errors | ${errors} (${(errorRate * 100).toFixed(3)}%) |`,
      `| Latency p50 / p99 (after warm-up) | ${pct(0.5).toFixed(1)} ms / ${pct(0.99).toFixed(1)} ms |`,
      `| RSS after warm-up → end | ${mib(warmRss)} → ${mib(endRss)} (${(growth * 100).toFixed(1)}%) |`,
      `| File descriptors before → after | ${before.fds} → ${after.fds} |`,
      `| Sockets before → after | ${before.sockets} → ${after.sockets} |`,
      '',
      ...Object.entries(verdicts).map(([what, ok]) => `- ${ok ? 'PASS' : 'FAIL'}: ${what}`),
      '',
    ].join('\n');
    writeFileSync(join(here, 'RESULTS.md'), report);
    process.stdout.write(report);
    return passed ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    await stopped;
  }
}

process.exitCode = await main();
