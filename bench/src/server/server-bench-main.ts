import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchSettings } from '../bench-settings.js';
import { loadProxmoxFactory } from '../clients/hvc-connector-client.js';
import { runLoad } from '../load/load-runner.js';
import {
  CPU_RATIO_CONCURRENCY,
  loadGuestService,
  openServerBench,
  runServerOverhead,
  WAY,
} from '../scenarios/server-overhead.js';
import { createBenchCertificate } from '../tls/bench-certificate.js';

// `pnpm --filter @hvc/bench bench:server [--quick]`: the server scenario alone, printed as JSON (the numbers
// BENCHMARKS.md's server section shows). `... bench:server --profile <way>`: the server process under one way's
// load at concurrency 64, profiled with V8's sampling profiler; writes the .cpuprofile, prints the top functions.
const USAGE = `usage: pnpm --filter @hvc/bench bench:server [--quick] [--profile <${Object.keys(WAY).join('|')}>]`;
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const quick = args.includes('--quick');
const profileAt = args.indexOf('--profile');
const profileWay = profileAt < 0 ? undefined : args[profileAt + 1];
if (
  args.some((arg, i) => arg !== '--quick' && arg !== '--profile' && i !== profileAt + 1) ||
  (profileAt >= 0 && !(profileWay && profileWay in WAY))
) {
  throw new Error(USAGE);
}
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const loaded = await loadProxmoxFactory();
if ('unavailable' in loaded) throw new Error(loaded.unavailable);
const certificate = await createBenchCertificate();

if (profileWay === undefined) {
  const result = await runServerOverhead(benchSettings(quick), certificate, loaded.factory, log);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const guestService = await loadGuestService();
  if (typeof guestService === 'string') throw new Error(guestService);
  const bench = await openServerBench(certificate, loaded.factory, guestService);
  try {
    const label = WAY[profileWay as keyof typeof WAY];
    const way = bench.ways.find((one) => one.label === label)!;
    const call = bench.caller(way);
    const shape = { concurrency: CPU_RATIO_CONCURRENCY, durationMs: 2_000 };
    await runLoad(call, shape);
    const dir = fileURLToPath(new URL('../../profiles/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}server-${profileWay}-c${CPU_RATIO_CONCURRENCY}.cpuprofile`;
    await bench.server.cpuMicros();
    await bench.server.startProfile();
    const result = await runLoad(call, { ...shape, durationMs: 5_000 });
    const used = await bench.server.cpuMicros();
    const top = await bench.server.stopProfile(file);
    process.stdout.write(
      `${label} at concurrency ${CPU_RATIO_CONCURRENCY}: ${Math.round(result.perSecond)} calls/s, ` +
        `${Math.round(used / result.requests)} µs of server CPU per call (profiler on); profile in ${file}\n`,
    );
    for (const line of top) {
      process.stdout.write(`${(line.share * 100).toFixed(1).padStart(5)} %  ${line.name}  ${line.where}\n`);
    }
  } finally {
    await bench.close();
  }
}
