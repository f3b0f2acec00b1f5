import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { BenchClient } from './clients/bench-client.js';
import {
  createBenchConnector,
  HvcConnectorClient,
  loadProxmoxFactory,
} from './clients/hvc-connector-client.js';
import { RawUndiciClient } from './clients/raw-undici-client.js';
import { runLoad } from './load/load-runner.js';
import { type CpuProfile, topSelfTime } from './profile/cpu-profile-summary.js';
import { buildGuestFleet, type FleetGuest } from './responder/guest-fleet.js';
import { ResponderProcess } from './responder/responder-process.js';
import { createBenchCertificate } from './tls/bench-certificate.js';

// `pnpm --filter @hvc/bench profile <hvc|raw> <getGuest|listGuests> [concurrency]`: profiles one client's calls
// against the responder (the measured loop only), writes the .cpuprofile and prints where the time went.
const [clientName = 'hvc', call = 'getGuest', concurrencyArg = '32'] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
if (
  !['hvc', 'raw'].includes(clientName) ||
  !['getGuest', 'listGuests'].includes(call) ||
  !(concurrency >= 1)
) {
  throw new Error('usage: pnpm --filter @hvc/bench profile <hvc|raw> <getGuest|listGuests> [concurrency]');
}

const responder = await ResponderProcess.start({ guests: 5_000, nodes: 32 }, await createBenchCertificate());
let client: BenchClient;
if (clientName === 'raw') client = new RawUndiciClient(responder.target, concurrency * 2);
else {
  const loaded = await loadProxmoxFactory();
  if ('unavailable' in loaded) throw new Error(loaded.unavailable);
  client = new HvcConnectorClient(createBenchConnector(loaded.factory, responder.target, concurrency * 2));
}
const sample = buildGuestFleet(40, 32).guests;
let next = 0;
const fn =
  call === 'getGuest'
    ? () => client.getGuest(sample[next++ % sample.length] as FleetGuest)
    : () => client.listGuests();

await runLoad(fn, { concurrency, durationMs: 1_500 });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const result = await runLoad(fn, { concurrency, durationMs: 5_000 });
const { profile } = await session.post('Profiler.stop');
session.disconnect();
await client.close();
await responder.close();

const dir = new URL('../profiles/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`${clientName}-${call}-c${concurrency}.cpuprofile`, dir);
writeFileSync(file, JSON.stringify(profile));
const busyShare = 1 - topSelfTime(profile as CpuProfile, 1_000).find((line) => line.name === '(idle)')!.share;
process.stdout.write(
  `${clientName} ${call} at concurrency ${concurrency}: ${Math.round(result.perSecond)} calls/s, ` +
    `${Math.round((busyShare * 1e6) / result.perSecond)} µs of CPU per call; profile in ${file.pathname}\n`,
);
for (const line of topSelfTime(profile as CpuProfile, 25)) {
  process.stdout.write(`${(line.share * 100).toFixed(1).padStart(5)} %  ${line.name}  ${line.where}\n`);
}
