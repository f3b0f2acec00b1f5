import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { runLoad } from '../load/load-runner.js';
import { median } from '../load/stats.js';
import { type CpuProfile, topSelfTime } from '../profile/cpu-profile-summary.js';
import { listGuestIds, recordAnswers, startBareGuestServer } from './bare-guest-server.js';
import { BENCH_SUBJECT, startBenchServer } from './bench-server-setup.js';
import { startReadingBareGuestServer } from './reading-bare-guest-server.js';
import {
  BENCH_MEMORY_TARGET_ID,
  BENCH_TARGET_ID,
  type ServerCommand,
  type ServerLaunch,
  type ServerReady,
  type ServerReply,
} from './server-protocol.js';

// The bench's hvc-server process (see `startBenchServer`), and the bare ConnectRPC baseline beside it.

const launch = JSON.parse(process.argv[2] ?? '{}') as ServerLaunch;
// HVC_ACCESS_CACHE_MS=0 measures the server reading access from the database on every call.
const accessCache = process.env.HVC_ACCESS_CACHE_MS;
const benchServer = await startBenchServer(
  launch,
  accessCache === undefined ? {} : { accessCacheMs: Number(accessCache) },
);
const { running, issuer, token } = benchServer;
const memoryGuestIds = await listGuestIds(running.url, token, BENCH_MEMORY_TARGET_ID, launch.guestIds.length);
const answers = await recordAnswers(running.url, token, [
  { targetId: BENCH_TARGET_ID, guestIds: launch.guestIds },
  { targetId: BENCH_MEMORY_TARGET_ID, guestIds: memoryGuestIds },
]);
const bare = await startBareGuestServer(benchServer.module.listenOnePort, answers);
const bareRead = await startReadingBareGuestServer(benchServer.module.listenOnePort, answers, launch);
let profiler: Session | undefined;

let cpuMark = process.cpuUsage();

async function microsPerCall(call: () => Promise<unknown>, command: ServerCommand): Promise<number> {
  await runLoad(call, { concurrency: 1, durationMs: command.warmupMs ?? 200 });
  const runs: number[] = [];
  for (let run = 0; run < (command.runs ?? 3); run++) {
    const result = await runLoad(call, { concurrency: 1, durationMs: Math.min(command.runMs ?? 700, 1_000) });
    if (result.errors > 0) throw new Error(`a timed call failed: ${result.firstError}`);
    runs.push(1e6 / result.perSecond);
  }
  return median(runs);
}

process.on('message', (command: ServerCommand) => {
  const reply = (body: Omit<ServerReply, 'id'>, then?: () => void) =>
    process.send?.({ id: command.id, ...body } satisfies ServerReply, undefined, {}, then);
  if (command.cmd === 'memory') {
    const usage = process.memoryUsage();
    reply({ rssBytes: usage.rss, heapUsedBytes: usage.heapUsed });
  } else if (command.cmd === 'cpu') {
    const used = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    reply({ cpuMicros: used.user + used.system });
  } else if (command.cmd === 'micros') {
    void (async () => {
      const jwtVerifyMicros = await microsPerCall(() => running.authenticator.verify(token), command);
      const userLookupMicros = await microsPerCall(
        () => running.store.members.findUserByIdentity(issuer.issuer, BENCH_SUBJECT),
        command,
      );
      reply({ jwtVerifyMicros, userLookupMicros });
    })();
  } else if (command.cmd === 'profile-start') {
    void (async () => {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      // Every millisecond: at 100 µs the profiler's own cost more than doubled the CPU per call it profiled.
      await profiler.post('Profiler.setSamplingInterval', { interval: 1_000 });
      await profiler.post('Profiler.start');
      reply({});
    })();
  } else if (command.cmd === 'profile-stop') {
    void (async () => {
      const { profile } = await profiler!.post('Profiler.stop');
      profiler!.disconnect();
      profiler = undefined;
      if (command.profileFile) writeFileSync(command.profileFile, JSON.stringify(profile));
      reply({ profileTop: topSelfTime(profile as CpuProfile, 40) });
    })();
  } else {
    void (async () => {
      await Promise.allSettled([bare.close(), bareRead.close()]);
      await benchServer.close();
      // Exits once the reply is written, so that the parent reads it rather than only the exit.
      reply({}, () => process.exit(0));
    })();
  }
});
process.send?.({
  url: running.url,
  bareUrl: bare.url,
  bareReadUrl: bareRead.url,
  token,
  memoryGuestIds,
  tenants: benchServer.tenants,
} satisfies ServerReady);
