import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchCertificate } from '../tls/bench-certificate.js';
import type { ResponderCommand, ResponderLaunch, ResponderReply } from './responder-protocol.js';
import type { ResponderStats } from './responder-server.js';

/** The benchmark's view of one PVE target: where it is, how to trust it and how to authenticate. */
export interface BenchTarget {
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly certificate: BenchCertificate;
  readonly tokenId: string;
  readonly tokenSecret: string;
  /** The `Authorization` header the responder accepts. */
  readonly authorization: string;
}

/** What the responder process serves. */
export interface ResponderSetup {
  readonly guests: number;
  readonly nodes: number;
  /** How long each started task runs before it ends with `OK`. */
  readonly taskDurationMs?: number;
}

const TOKEN_ID = 'root@pam!bench';
// A lower-case UUID, the only secret shape one of the peer clients accepts.
const TOKEN_SECRET = '5f2c7a4e-1b3d-4c8e-9a6f-0d2e4b6c8a1f';

/** A running responder process and the commands the benchmark sends it. */
export class ResponderProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ResponderReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly target: BenchTarget,
  ) {
    child.on('message', (reply: ResponderReply) => {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
  }

  /** Forks a responder process serving `setup` with `certificate` and waits until it listens. */
  static async start(setup: ResponderSetup, certificate: BenchCertificate): Promise<ResponderProcess> {
    const authorization = `PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`;
    const launch: ResponderLaunch = {
      guests: setup.guests,
      nodes: setup.nodes,
      taskDurationMs: setup.taskDurationMs ?? 2_000,
      keyFile: certificate.keyFile,
      certFile: certificate.certFile,
      authorization,
    };
    const child = fork(
      fileURLToPath(new URL('./responder-child.ts', import.meta.url)),
      [JSON.stringify(launch)],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (reply: ResponderReply) => resolve(reply.port as number));
      child.once('exit', (code) =>
        reject(new Error(`the responder process exited with ${code} before listening`)),
      );
    });
    const target: BenchTarget = {
      origin: `https://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      certificate,
      tokenId: TOKEN_ID,
      tokenSecret: TOKEN_SECRET,
      authorization,
    };
    return new ResponderProcess(child, target);
  }

  private command(cmd: ResponderCommand['cmd']): Promise<ResponderReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, cmd } satisfies ResponderCommand);
    });
  }

  /** The responder's counters since the last reset. */
  async stats(): Promise<ResponderStats> {
    return (await this.command('stats')).stats as ResponderStats;
  }

  /** Zeroes the responder's counters and forgets its tasks. */
  async reset(): Promise<void> {
    await this.command('reset');
  }

  /** Stops the responder process. */
  async close(): Promise<void> {
    await this.command('close');
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once('exit', resolve));
  }
}
