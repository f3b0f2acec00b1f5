import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CommandChannel } from '../ipc/command-channel.js';
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

// Start, stats, reset and close each get this long before the responder counts as stuck.
const COMMAND_TIMEOUT_MS = 60_000;

/** A running responder process and the commands the benchmark sends it; none of them waits forever. */
export class ResponderProcess {
  private constructor(
    private readonly channel: CommandChannel<ResponderCommand, ResponderReply>,
    readonly target: BenchTarget,
  ) {}

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
    const channel = new CommandChannel<ResponderCommand, ResponderReply>(child, 'the responder process');
    // The responder announces its port with a reply of id 0.
    const { port } = await channel.announced<ResponderReply>(COMMAND_TIMEOUT_MS);
    const target: BenchTarget = {
      origin: `https://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port: port as number,
      certificate,
      tokenId: TOKEN_ID,
      tokenSecret: TOKEN_SECRET,
      authorization,
    };
    return new ResponderProcess(channel, target);
  }

  /** The responder's counters since the last reset. */
  async stats(): Promise<ResponderStats> {
    return (await this.channel.command({ cmd: 'stats' }, COMMAND_TIMEOUT_MS)).stats as ResponderStats;
  }

  /** Zeroes the responder's counters and forgets its tasks. */
  async reset(): Promise<void> {
    await this.channel.command({ cmd: 'reset' }, COMMAND_TIMEOUT_MS);
  }

  /** Stops the responder process and waits for it to end; kills it when it does not answer. */
  async close(): Promise<void> {
    await this.channel.close({ cmd: 'close' }, COMMAND_TIMEOUT_MS);
  }
}
