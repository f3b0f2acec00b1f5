import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSettings } from '../bench-settings.js';
import { childExecArgv } from '../clients/child-exec-argv.js';
import { CommandChannel } from '../ipc/command-channel.js';
import type { BenchTarget } from '../responder/responder-process.js';
import type {
  ServerCommand,
  ServerLaunch,
  ServerReady,
  ServerReply,
  TenantAccess,
} from './server-protocol.js';

// Start-up builds the server's database and targets (every tenant's, in the scale scenario) and records the
// bare baseline's answers through the server: it gets longer than a command.
const START_TIMEOUT_MS = 120_000;
// cpu, memory, the profiler and close each get this long before the server counts as stuck; micros gets its
// measuring time on top.
const COMMAND_TIMEOUT_MS = 60_000;

/** hvc-server in its own process, as deployed, serving the responder as one Proxmox target. */
export class ServerProcess {
  private constructor(
    private readonly channel: CommandChannel<ServerCommand, ServerReply>,
    /** The API's base URL. */
    readonly url: string,
    /** The bare ConnectRPC baseline's base URL (same process). */
    readonly bareUrl: string,
    /** The bare baseline that first reads the guest through a Proxmox connector (same process). */
    readonly bareReadUrl: string,
    /** A bearer token of the bench's operator (dev issuer, one hour). */
    readonly token: string,
    /** The organisations asked for at launch, with their operators' tokens and targets. */
    readonly tenants: readonly TenantAccess[],
    /** The guests of the memory target, for GetGuest without a hypervisor read. */
    readonly memoryGuestIds: readonly string[],
  ) {}

  /**
   * Forks the server process serving `target` (the responder) as its Proxmox target, with the load's settings, and
   * waits until it serves.
   */
  static startOn(
    target: BenchTarget,
    load: Pick<ServerLaunch, 'concurrency' | 'guestIds' | 'tenants'>,
  ): Promise<ServerProcess> {
    return ServerProcess.start({
      origin: target.origin,
      certFile: target.certificate.certFile,
      tokenId: target.tokenId,
      tokenSecret: target.tokenSecret,
      ...load,
    });
  }

  /** Forks the server process (with this process's Node options, see `childExecArgv`) and waits until it serves. */
  static async start(launch: ServerLaunch): Promise<ServerProcess> {
    const child = fork(
      fileURLToPath(new URL('./server-child.ts', import.meta.url)),
      [JSON.stringify(launch)],
      { execArgv: childExecArgv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const channel = new CommandChannel<ServerCommand, ServerReply>(child, 'the server process');
    const ready = await channel.announced<ServerReady>(START_TIMEOUT_MS);
    return new ServerProcess(
      channel,
      ready.url,
      ready.bareUrl,
      ready.bareReadUrl,
      ready.token,
      ready.tenants ?? [],
      ready.memoryGuestIds,
    );
  }

  /** The server's CPU time (user + system) since the previous call, µs. */
  async cpuMicros(): Promise<number> {
    return (await this.channel.command({ cmd: 'cpu' }, COMMAND_TIMEOUT_MS)).cpuMicros ?? 0;
  }

  /** The server process's resident set and V8 heap in use, bytes. */
  async memory(): Promise<{ rssBytes: number; heapUsedBytes: number }> {
    const reply = await this.channel.command({ cmd: 'memory' }, COMMAND_TIMEOUT_MS);
    return { rssBytes: reply.rssBytes ?? Number.NaN, heapUsedBytes: reply.heapUsedBytes ?? Number.NaN };
  }

  /** One JWT verification and one user lookup, measured alone inside the server process, µs each. */
  async perRequestMicros(
    settings: BenchSettings,
  ): Promise<{ jwtVerifyMicros: number; userLookupMicros: number }> {
    const { runs, runMs, warmupMs } = settings;
    // Two costs, each measured over a warm-up and `runs` runs of at most a second: that time on top.
    const measuringMs = 2 * (warmupMs + runs * Math.min(runMs, 1_000));
    const reply = await this.channel.command(
      { cmd: 'micros', runs, runMs, warmupMs },
      measuringMs + COMMAND_TIMEOUT_MS,
    );
    return {
      jwtVerifyMicros: reply.jwtVerifyMicros ?? Number.NaN,
      userLookupMicros: reply.userLookupMicros ?? Number.NaN,
    };
  }

  /** Starts the V8 sampling profiler in the server process. */
  async startProfile(): Promise<void> {
    await this.channel.command({ cmd: 'profile-start' }, COMMAND_TIMEOUT_MS);
  }

  /** Stops the profiler, writes the `.cpuprofile` to `file` and returns the functions with the most self time. */
  async stopProfile(file: string): Promise<NonNullable<ServerReply['profileTop']>> {
    return (
      (await this.channel.command({ cmd: 'profile-stop', profileFile: file }, COMMAND_TIMEOUT_MS))
        .profileTop ?? []
    );
  }

  /** Stops the server process and waits for it to end; kills it when it does not answer. */
  async close(): Promise<void> {
    await this.channel.close({ cmd: 'close' }, COMMAND_TIMEOUT_MS);
  }
}
