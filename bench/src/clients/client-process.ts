import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HeapMeasurement } from '../load/heap-peak.js';
import type { LoadResult, LoadShape } from '../load/load-runner.js';
import type { BenchTarget } from '../responder/responder-process.js';
import { childExecArgv } from './child-exec-argv.js';
import type { ClientCall, ClientCommand, ClientKind, ClientReply, Listing } from './client-protocol.js';

// Commands that do not run a load (start, close, one listing) get this long; a run gets its duration on top.
const COMMAND_TIMEOUT_MS = 60_000;

type Command = ClientCommand extends infer C ? (C extends ClientCommand ? Omit<C, 'id'> : never) : never;

interface Pending {
  readonly resolve: (reply: ClientReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** One JS client in a Node process of its own, driven over IPC; every command times out rather than hangs. */
export class ClientProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly kind: ClientKind,
  ) {
    child.on('message', (reply: ClientReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      clearTimeout(waiting.timer);
      if (reply.error === undefined) waiting.resolve(reply);
      else waiting.reject(new Error(reply.error));
    });
    child.on('exit', (code, signal) => {
      this.exited = `the ${kind} client process exited (${signal ?? `code ${code}`})`;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        clearTimeout(waiting.timer);
        waiting.reject(new Error(this.exited));
      }
    });
  }

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
    const client = new ClientProcess(child, kind);
    try {
      await client.command({ cmd: 'start', kind, target, sockets }, COMMAND_TIMEOUT_MS);
    } catch (error) {
      client.kill();
      throw error;
    }
    return client;
  }

  /** The child's process id. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Runs `call` in a closed loop in the child for `shape` and returns what it measured. */
  async run(call: ClientCall, shape: LoadShape): Promise<LoadResult> {
    const reply = await this.command({ cmd: 'run', call, shape }, shape.durationMs + COMMAND_TIMEOUT_MS);
    return reply.result as LoadResult;
  }

  /** Lists the fleet once in the child after a full GC: its wall time, memory growth and the guests listed. */
  async list(listing: Listing): Promise<{ measurement: HeapMeasurement; guests: number }> {
    const reply = await this.command({ cmd: 'list', listing }, COMMAND_TIMEOUT_MS);
    return reply.listed as { measurement: HeapMeasurement; guests: number };
  }

  /** Closes the client and waits for its process to end; kills it when it does not answer. */
  async close(): Promise<void> {
    if (this.exited !== undefined) return;
    const ended = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      await this.command({ cmd: 'close' }, COMMAND_TIMEOUT_MS);
    } catch {
      this.kill();
    }
    await ended;
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private command(command: Command, timeoutMs: number): Promise<ClientReply> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // A child that does not answer in time is stuck: end it so that nothing else waits on it.
        this.kill();
        reject(
          new Error(`the ${this.kind} client process did not answer ${command.cmd} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ ...command, id } as ClientCommand, (error) => {
        if (!error || !this.pending.has(id)) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new Error(`the ${this.kind} client process cannot be reached: ${error.message}`));
      });
    });
  }
}
