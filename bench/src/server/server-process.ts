import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSettings } from '../bench-settings.js';
import type {
  ServerCommand,
  ServerLaunch,
  ServerReady,
  ServerReply,
  TenantAccess,
} from './server-protocol.js';

/** hvc-server in its own process, as deployed, serving the responder as one Proxmox target. */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ServerReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    /** The API's base URL. */
    readonly url: string,
    /** The bare ConnectRPC baseline's base URL (same process). */
    readonly bareUrl: string,
    /** A bearer token of the bench's operator (dev issuer, one hour). */
    readonly token: string,
    /** The organisations asked for at launch, with their operators' tokens and targets. */
    readonly tenants: readonly TenantAccess[],
    /** The guests of the memory target, for GetGuest without a hypervisor read. */
    readonly memoryGuestIds: readonly string[],
  ) {
    child.on('message', (reply: ServerReply) => {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
  }

  /** Forks the server process (with this process's Node options) and waits until it serves. */
  static async start(launch: ServerLaunch): Promise<ServerProcess> {
    const child = fork(
      fileURLToPath(new URL('./server-child.ts', import.meta.url)),
      [JSON.stringify(launch)],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const ready = await new Promise<ServerReady>((resolve, reject) => {
      child.once('message', (message: ServerReady) => resolve(message));
      child.once('exit', (code) =>
        reject(new Error(`the server process exited with ${code} before serving`)),
      );
    });
    return new ServerProcess(
      child,
      ready.url,
      ready.bareUrl,
      ready.token,
      ready.tenants ?? [],
      ready.memoryGuestIds,
    );
  }

  private command(cmd: ServerCommand['cmd'], extra: Partial<ServerCommand> = {}): Promise<ServerReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...extra, id, cmd } satisfies ServerCommand);
    });
  }

  /** The server's CPU time (user + system) since the previous call, µs. */
  async cpuMicros(): Promise<number> {
    return (await this.command('cpu')).cpuMicros ?? 0;
  }

  /** The server process's resident set and V8 heap in use, bytes. */
  async memory(): Promise<{ rssBytes: number; heapUsedBytes: number }> {
    const reply = await this.command('memory');
    return { rssBytes: reply.rssBytes ?? Number.NaN, heapUsedBytes: reply.heapUsedBytes ?? Number.NaN };
  }

  /** One JWT verification and one user lookup, measured alone inside the server process, µs each. */
  async perRequestMicros(
    settings: BenchSettings,
  ): Promise<{ jwtVerifyMicros: number; userLookupMicros: number }> {
    const reply = await this.command('micros', {
      runs: settings.runs,
      runMs: settings.runMs,
      warmupMs: settings.warmupMs,
    });
    return {
      jwtVerifyMicros: reply.jwtVerifyMicros ?? Number.NaN,
      userLookupMicros: reply.userLookupMicros ?? Number.NaN,
    };
  }

  /** Starts the V8 sampling profiler in the server process. */
  async startProfile(): Promise<void> {
    await this.command('profile-start');
  }

  /** Stops the profiler, writes the `.cpuprofile` to `file` and returns the functions with the most self time. */
  async stopProfile(file: string): Promise<NonNullable<ServerReply['profileTop']>> {
    return (await this.command('profile-stop', { profileFile: file })).profileTop ?? [];
  }

  /** Stops the server process. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.command('close');
    await exited;
  }
}
