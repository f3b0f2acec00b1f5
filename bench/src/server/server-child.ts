import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from '../load/load-runner.js';
import { median } from '../load/stats.js';
import { type CpuProfile, topSelfTime } from '../profile/cpu-profile-summary.js';
import { type ListenOnePort, recordAnswers, startBareGuestServer } from './bare-guest-server.js';
import {
  BENCH_TARGET_ID,
  type ServerCommand,
  type ServerLaunch,
  type ServerReady,
  type ServerReply,
} from './server-protocol.js';

// The bench's hvc-server process: the dev issuer, an SQLite store with one organisation, one operator and the
// responder as a Proxmox target, as `hvc-server` runs when deployed. Loaded by name and used through the small
// interfaces below, so the bench's type check does not depend on the server package's internals.

interface DevIssuer {
  readonly issuer: string;
  mint(subject: string, options?: { ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

interface RunningServer {
  readonly url: string;
  readonly store: {
    readonly members: {
      createOrganization(input: { id: string; displayName: string }): Promise<unknown>;
      addMember(input: {
        organizationId: string;
        issuer: string;
        subject: string;
        role: string;
      }): Promise<unknown>;
      findUserByIdentity(issuer: string, subject: string): Promise<unknown>;
    };
    readonly targets: { create(input: Record<string, unknown>): Promise<unknown> };
  };
  readonly authenticator: { verify(token: string): Promise<unknown> };
  close(): Promise<void>;
}

interface ServerModule {
  readonly ServerConfigSchema: { parse(input: unknown): unknown };
  startServer(config: unknown, extras: { devIssuer: DevIssuer }): Promise<RunningServer>;
  startDevIssuer(options: { audience: string }): Promise<DevIssuer>;
  readonly listenOnePort: ListenOnePort;
}

const ORGANIZATION = 'bench';
const SUBJECT = 'bench-operator';

const launch = JSON.parse(process.argv[2] ?? '{}') as ServerLaunch;
const server = (await import('@hvc/server')) as unknown as ServerModule;
const issuer = await server.startDevIssuer({ audience: 'hvc-bench' });
const running = await server.startServer(
  server.ServerConfigSchema.parse({
    listen: { host: '127.0.0.1', port: 0 },
    database: { file: join(mkdtempSync(join(tmpdir(), 'hvc-bench-server-')), 'hvc.sqlite') },
    encryptionKey: randomBytes(32).toString('hex'),
    logLevel: 'silent',
    // The target's connector concurrency matches the load (above the tenant default): the operator's choice.
    connectors: { allowOperatorSettings: true },
    // HVC_ACCESS_CACHE_MS=0 measures the server reading access from the database on every call.
    ...(process.env.HVC_ACCESS_CACHE_MS === undefined
      ? {}
      : { limits: { accessCacheMs: Number(process.env.HVC_ACCESS_CACHE_MS) } }),
  }),
  { devIssuer: issuer },
);
await running.store.members.createOrganization({ id: ORGANIZATION, displayName: 'Benchmark' });
await running.store.members.addMember({
  organizationId: ORGANIZATION,
  issuer: issuer.issuer,
  subject: SUBJECT,
  role: 'operator',
});
await running.store.targets.create({
  id: BENCH_TARGET_ID,
  organizationId: ORGANIZATION,
  displayName: 'Benchmark responder',
  kind: 'proxmox',
  config: {
    endpoints: [launch.origin],
    tls: { ca: readFileSync(launch.certFile, 'utf8') },
    concurrency: launch.concurrency,
  },
  credentials: { type: 'token', tokenId: launch.tokenId, secret: launch.tokenSecret },
});
const token = await issuer.mint(SUBJECT, { ttlSeconds: 3_600 });
const bare = await startBareGuestServer(
  server.listenOnePort,
  await recordAnswers(running.url, token, BENCH_TARGET_ID, launch.guestIds),
);
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
  const reply = (body: Omit<ServerReply, 'id'>) =>
    process.send?.({ id: command.id, ...body } satisfies ServerReply);
  if (command.cmd === 'cpu') {
    const used = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    reply({ cpuMicros: used.user + used.system });
  } else if (command.cmd === 'micros') {
    void (async () => {
      const jwtVerifyMicros = await microsPerCall(() => running.authenticator.verify(token), command);
      const userLookupMicros = await microsPerCall(
        () => running.store.members.findUserByIdentity(issuer.issuer, SUBJECT),
        command,
      );
      reply({ jwtVerifyMicros, userLookupMicros });
    })();
  } else if (command.cmd === 'profile-start') {
    void (async () => {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
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
      await bare.close();
      await running.close();
      await issuer.close();
      reply({});
      process.exit(0);
    })();
  }
});
process.send?.({ url: running.url, bareUrl: bare.url, token } satisfies ServerReady);
