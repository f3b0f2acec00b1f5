import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { answerCommands } from '../ipc/command-answers.js';
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

async function answer(command: ServerCommand): Promise<Omit<ServerReply, 'id'>> {
  switch (command.cmd) {
    case 'memory': {
      const usage = process.memoryUsage();
      return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed };
    }
    case 'cpu': {
      const used = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      return { cpuMicros: used.user + used.system };
    }
    case 'micros': {
      const jwtVerifyMicros = await microsPerCall(() => running.authenticator.verify(token), command);
      const userLookupMicros = await microsPerCall(
        () => running.store.members.findUserByIdentity(issuer.issuer, BENCH_SUBJECT),
        command,
      );
      return { jwtVerifyMicros, userLookupMicros };
    }
    case 'profile-start': {
      if (profiler !== undefined) throw new Error('a profile is running already: profile-stop it first');
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      // Every millisecond: at 100 µs the profiler's own cost more than doubled the CPU per call it profiled.
      await session.post('Profiler.setSamplingInterval', { interval: 1_000 });
      await session.post('Profiler.start');
      profiler = session;
      return {};
    }
    case 'profile-stop': {
      const session = profiler;
      if (session === undefined) throw new Error('no profile is running: profile-start one first');
      profiler = undefined;
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      if (command.profileFile) writeFileSync(command.profileFile, JSON.stringify(profile));
      return { profileTop: topSelfTime(profile as CpuProfile, 40) };
    }
    case 'close':
      await Promise.allSettled([bare.close(), bareRead.close()]);
      await benchServer.close();
      return {};
  }
}

// Every command gets its reply, a failed one with its error: the process goes on serving either way.
answerCommands<ServerCommand, ServerReply>(answer);
process.send?.({
  url: running.url,
  bareUrl: bare.url,
  bareReadUrl: bareRead.url,
  token,
  memoryGuestIds,
  tenants: benchServer.tenants,
} satisfies ServerReady);
