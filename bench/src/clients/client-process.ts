import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CommandChannel } from '../ipc/command-channel.js';
import type { HeapMeasurement } from '../load/heap-peak.js';
import type { LoadResult, LoadShape } from '../load/load-runner.js';
import type { BenchTarget } from '../responder/responder-process.js';
import { childExecArgv } from './child-exec-argv.js';
import type { ClientCall, ClientCommand, ClientKind, ClientReply, Listing } from './client-protocol.js';

// Commands that do not run a load (start, close, one listing) get this long; a run gets its duration on top.
const COMMAND_TIMEOUT_MS = 60_000;

/** One JS client in a Node process of its own, driven over IPC; every command times out rather than hangs. */
export class ClientProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly channel: CommandChannel<ClientCommand, ClientReply>,
    readonly kind: ClientKind,
  ) {}

  /**
   * Forks a process for `kind` with this process's Node options (see `childExecArgv`) and builds the client there
   * against `target` with `sockets` connections. Rejects, with the reason, when the client cannot be built (hvc's
   * connector package failing to load, say); the process is then gone.
   */
  static async start(kind: ClientKind, target: BenchTarget, sockets: number): Promise<ClientProcess> {
    const child = fork(fileURLToPath(new URL('./client-child.ts', import.meta.url)), [], {
      execArgv: childExecArgv(),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const channel = new CommandChannel<ClientCommand, ClientReply>(child, `the ${kind} client process`);
    try {
      await channel.command({ cmd: 'start', kind, target, sockets }, COMMAND_TIMEOUT_MS);
    } catch (error) {
      channel.kill();
      throw error;
    }
    return new ClientProcess(child, channel, kind);
  }

  /** The child's process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Runs `call` in a closed loop in the child for `shape` and returns what it measured. */
  async run(call: ClientCall, shape: LoadShape): Promise<LoadResult> {
    const reply = await this.channel.command(
      { cmd: 'run', call, shape },
      shape.durationMs + COMMAND_TIMEOUT_MS,
    );
    return reply.result as LoadResult;
  }

  /** Lists the fleet once in the child after a full GC: its wall time, memory growth and the guests listed. */
  async list(listing: Listing): Promise<{ measurement: HeapMeasurement; guests: number }> {
    const reply = await this.channel.command({ cmd: 'list', listing }, COMMAND_TIMEOUT_MS);
    return reply.listed as { measurement: HeapMeasurement; guests: number };
  }

  /** Closes the client and waits for its process to end; kills it when it does not answer. */
  async close(): Promise<void> {
    await this.channel.close({ cmd: 'close' }, COMMAND_TIMEOUT_MS);
  }
}
