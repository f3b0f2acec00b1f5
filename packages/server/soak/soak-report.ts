import { cpus, totalmem } from 'node:os';
import { median } from './process-stats.js';

/** One memory sample of the server, with the fake's RSS at the same moment; `at` in seconds from the start. */
export interface MemorySample {
  readonly at: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** What V8 has reserved for the JS heap: live objects and garbage not yet collected. */
  readonly heapTotal: number;
  readonly fakeRss: number;
}

/** A measure at the end of warm-up and at the end. */
interface WarmEnd {
  readonly warm: number;
  readonly end: number;
}

/** What one soak measured. */
export interface SoakOutcome {
  readonly seconds: number;
  readonly clients: number;
  readonly warmupSeconds: number;
  /** How often memory was sampled, and how long before the load stopped the end's heap sample was taken. */
  readonly sampleSeconds: number;
  readonly endSampleLeadSeconds: number;
  readonly calls: number;
  readonly errors: number;
  /** Call latencies after warm-up, ms. */
  readonly latencies: number[];
  readonly samples: readonly MemorySample[];
  /** The server's RSS at the end of warm-up and once the load stopped: single readings, for the record. */
  readonly pointRss: WarmEnd;
  /** The server's JS heap in use right after a full GC, at the end of warm-up and just before the load stops. */
  readonly heapAfterGc: WarmEnd;
  /** The same for the fake's process (reported, not checked). */
  readonly fakeHeapAfterGc: WarmEnd;
  readonly descriptors: {
    readonly before: { fds: number; sockets: number };
    readonly after: { fds: number; sockets: number };
  };
}

/** The longest window RSS is compared over: a minute, or a third of the time after warm-up if that is shorter. */
const RSS_WINDOW_SECONDS = 60;
/** Most growth allowed after warm-up. */
const MAX_GROWTH = 0.1;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const percent = (ratio: number) => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;
const growth = (m: WarmEnd) => (m.warm > 0 ? (m.end - m.warm) / m.warm : Number.POSITIVE_INFINITY);
const warmToEnd = (m: WarmEnd) => `${mib(m.warm)} → ${mib(m.end)} (${percent(growth(m))})`;

/** RESULTS.md for one soak, and whether every check passed. */
export function soakReport(o: SoakOutcome): { report: string; passed: boolean } {
  const latencies = [...o.latencies].sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const window = Math.min(RSS_WINDOW_SECONDS, (o.seconds - o.warmupSeconds) / 3);
  const early = o.samples.filter((s) => s.at >= o.warmupSeconds && s.at < o.warmupSeconds + window);
  const late = o.samples.filter((s) => s.at >= o.seconds - window);
  const windows = (of: (s: MemorySample) => number): WarmEnd => ({
    warm: median(early.map(of)),
    end: median(late.map(of)),
  });
  const rssWindows = windows((s) => s.rss);
  const nativeWindows = windows((s) => s.rss - s.heapTotal);
  const afterWarmup = o.samples.filter((s) => s.at >= o.warmupSeconds);
  const range = (of: (s: MemorySample) => number) => {
    const values = afterWarmup.map(of);
    return values.length > 0 ? `${mib(Math.min(...values))} – ${mib(Math.max(...values))}` : 'n/a';
  };
  const errorRate = o.calls > 0 ? o.errors / o.calls : 1;
  const { before, after } = o.descriptors;
  const w = window.toFixed(0);
  const verdicts = {
    'error rate below 0.1%': errorRate < 0.001,
    'JS heap after a full GC grows at most 10% after warm-up': growth(o.heapAfterGc) <= MAX_GROWTH,
    [`memory outside the JS heap (RSS − V8's heap reservation; median of the first ${w} s after warm-up → of the last ${w} s) grows at most 10%`]:
      early.length > 0 && late.length > 0 && growth(nativeWindows) <= MAX_GROWTH,
    [`RSS (median of the first ${w} s after warm-up → of the last ${w} s) grows at most 10%`]:
      early.length > 0 && late.length > 0 && growth(rssWindows) <= MAX_GROWTH,
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
    `Load: ${o.clients} concurrent clients (half Connect JSON over HTTP/1.1, half gRPC over h2c) for ${o.seconds} s`,
    'against `hvc-server demo` (GetGuest 3 : ListGuests 1, viewer token), its Proxmox VE fake in a process of its',
    `own (\`hvc-pve-fake\`); the first ${o.warmupSeconds} s are warm-up. Memory, descriptors and sockets are the server process's.`,
    '',
    '| Measure | Value |',
    '| --- | --- |',
    `| Calls | ${o.calls} (${(o.calls / o.seconds).toFixed(0)}/s) |`,
    `| Errors | ${o.errors} (${(errorRate * 100).toFixed(3)}%) |`,
    `| Latency p50 / p99 (after warm-up) | ${pct(0.5).toFixed(1)} ms / ${pct(0.99).toFixed(1)} ms |`,
    `| JS heap after a full GC, end of warm-up → end | ${warmToEnd(o.heapAfterGc)} |`,
    `| Memory outside the JS heap, median of the first → last ${w} s | ${warmToEnd(nativeWindows)} |`,
    `| RSS, median of the first → last ${w} s | ${warmToEnd(rssWindows)} |`,
    `| RSS, lowest – highest after warm-up (every ${o.sampleSeconds} s) | ${range((s) => s.rss)} |`,
    `| V8's heap reservation, lowest – highest after warm-up | ${range((s) => s.heapTotal)} |`,
    `| RSS, single readings at the end of warm-up → once the load stopped | ${warmToEnd(o.pointRss)} |`,
    `| File descriptors before → after | ${before.fds} → ${after.fds} |`,
    `| Sockets before → after | ${before.sockets} → ${after.sockets} |`,
    `| The fake's process (not checked): JS heap after a full GC | ${warmToEnd(o.fakeHeapAfterGc)} |`,
    `| The fake's process (not checked): RSS, first → last sample | ${mib(o.samples[0]?.fakeRss ?? 0)} → ${mib(o.samples.at(-1)?.fakeRss ?? 0)} |`,
    '',
    ...Object.entries(verdicts).map(([what, ok]) => `- ${ok ? 'PASS' : 'FAIL'}: ${what}`),
    '',
    '## How memory is measured',
    '',
    "- The Proxmox VE fake runs in its own process (`hvc-pve-fake`): none of its memory counts as the server's.",
    '- **JS heap after a full GC** shows a leak of JS objects: the server runs with `--expose-gc` and',
    '  `soak/memory-probe.ts`, which answers the soak over IPC with `process.memoryUsage()` right after `gc()`: at the',
    `  end of warm-up and ${o.endSampleLeadSeconds} s before the load stops, both under the same load.`,
    `- **RSS** is read from \`/proc/<pid>/status\` every ${o.sampleSeconds} s, with V8's heap reservation (\`heapTotal\`)`,
    "  at the same moment. A single RSS reading swings by tens of MiB with the garbage collector's phase: V8 lets its",
    '  heap fill with garbage between major collections and hands the pages back after. So RSS is compared as the',
    `  median of the first ${w} s after warm-up against the median of the last ${w} s; and the memory outside the JS`,
    '  heap (RSS − `heapTotal`: native buffers, sockets, malloc) is checked the same way, since a native leak hides in',
    '  the RSS swing. The single readings the soak used to compare are still in the table.',
    '',
  ].join('\n');
  return { report, passed };
}
