import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchSettings } from './bench-settings.js';
import { parseCliOptions, type ScenarioName } from './cli-options.js';
import { loadProxmoxFactory } from './clients/hvc-connector-client.js';
import { runLibvirtScenario } from './libvirt/libvirt-scenario.js';
import { ensureProxmoxer } from './peers/proxmoxer-install.js';
import type { BenchReport } from './report/bench-report.js';
import { renderBenchmarksMarkdown } from './report/benchmarks-markdown.js';
import { jsonSummary } from './report/json-summary.js';
import { machineInfo } from './report/machine-info.js';
import { sourceState } from './report/source-state.js';
import { runFleetListing } from './scenarios/fleet-listing.js';
import { runOperationFanout } from './scenarios/operation-fanout.js';
import { runResponderCeiling } from './scenarios/responder-ceiling.js';
import { runServerOverhead } from './scenarios/server-overhead.js';
import { runServerScale } from './scenarios/server-scale.js';
import { runSingleCall } from './scenarios/single-call.js';
import { createBenchCertificate } from './tls/bench-certificate.js';

const options = parseCliOptions(process.argv.slice(2));
const settings = benchSettings(options.quick);
const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const out = options.out ?? `${repoRoot}BENCHMARKS.md`;
const readingFile = fileURLToPath(new URL('../reading.md', import.meta.url));
const soakResultsFile = `${repoRoot}packages/server/soak/RESULTS.md`;

const startedAt = new Date();
const machineAtStart = machineInfo();
log(
  `${settings.quick ? 'quick' : 'full'} run; load average ${machineAtStart.loadAverage.map((v) => v.toFixed(2)).join(' ')}`,
);

const proxmoxer = ensureProxmoxer(log);
const loaded = await loadProxmoxFactory();
const factory = 'factory' in loaded ? loaded.factory : undefined;
const factoryUnavailable = 'unavailable' in loaded ? loaded.unavailable : undefined;
if (factoryUnavailable) log(`hvc is not measured: ${factoryUnavailable}`);
const certificate = await createBenchCertificate();

// A scenario left out by `--only` reports nothing (empty tables, null ratios).
const runs = (name: ScenarioName) => options.only === undefined || options.only.includes(name);
const skipped = 'not run (--only)';
const ceiling = runs('ceiling')
  ? await runResponderCeiling(settings, certificate, log)
  : { concurrency: 0, lines: [] };
const singleCall = runs('single-call')
  ? await runSingleCall({ settings, certificate, factory, factoryUnavailable, proxmoxer, log })
  : { guests: 0, nodes: 0, cases: [] };
const fleet = runs('fleet')
  ? await runFleetListing(settings, certificate, factory, factoryUnavailable, log)
  : { guests: 0, nodes: 0, connections: 0, lines: [] };
const fanout = runs('fanout')
  ? await runOperationFanout(settings, certificate, factory, factoryUnavailable, log)
  : { operations: 0, taskDurationMs: 0, concurrencyCap: 0, lines: [] };
const server = runs('server')
  ? await runServerOverhead(settings, certificate, factory, log)
  : { unavailable: skipped };
const scale = runs('scale') ? await runServerScale(settings, certificate, log) : { unavailable: skipped };
const libvirt = runs('libvirt') ? await runLibvirtScenario(settings, log) : undefined;

const peerManifest = new URL('../node_modules/proxmox-api/package.json', import.meta.url);
const proxmoxApiVersion = (JSON.parse(readFileSync(peerManifest, 'utf8')) as { version: string }).version;
const report: BenchReport = {
  command: `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  quick: settings.quick,
  startedAt,
  finishedAt: new Date(),
  machineAtStart,
  machineAtEnd: machineInfo(),
  source: sourceState(repoRoot),
  connector: factory ? { measured: true } : { measured: false, reason: factoryUnavailable ?? 'unknown' },
  proxmoxer: 'version' in proxmoxer ? { version: proxmoxer.version } : { reason: proxmoxer.unavailable },
  proxmoxApiVersion,
  ceiling,
  singleCall,
  fleet,
  fanout,
  server,
  scale,
  libvirt,
};
const summary = jsonSummary(report);
const reading = existsSync(readingFile) ? readFileSync(readingFile, 'utf8') : '';
const soakResults = existsSync(soakResultsFile) ? readFileSync(soakResultsFile, 'utf8') : undefined;
// A partial run writes its report only where it is told to: BENCHMARKS.md holds whole runs.
if (options.only === undefined || options.out !== undefined) {
  writeFileSync(out, renderBenchmarksMarkdown(report, summary, reading, soakResults));
  log(`wrote ${out}`);
}
if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
