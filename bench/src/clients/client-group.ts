import type { BenchTarget } from '../responder/responder-process.js';
import { ClientProcess } from './client-process.js';
import type { ClientKind } from './client-protocol.js';

/** A line of a scenario measured by one client process. */
export interface GroupMember {
  readonly label: string;
  readonly kind: ClientKind;
}

/**
 * Client processes measured side by side, one per member. A member whose process cannot start or fails a command
 * drops out with its reason (printed at once and kept for its line's note); the others go on.
 */
export class ClientGroup {
  private readonly failures = new Map<number, string>();

  private constructor(
    private readonly members: readonly GroupMember[],
    private readonly clients: ReadonlyArray<ClientProcess | undefined>,
  ) {}

  /** Starts every member's process against `target` with `sockets` connections each, side by side. */
  static async start(
    members: readonly GroupMember[],
    target: BenchTarget,
    sockets: number,
  ): Promise<ClientGroup> {
    const errors = new Map<number, unknown>();
    const clients = await Promise.all(
      members.map((member, i) =>
        ClientProcess.start(member.kind, target, sockets).catch((error: unknown) => {
          errors.set(i, error);
          return undefined;
        }),
      ),
    );
    const group = new ClientGroup(members, clients);
    for (const [i, error] of errors) group.fail(i, error);
    return group;
  }

  /** Runs `step` on member `i`'s process; `undefined` when the member has failed, now or before. */
  async attempt<T>(i: number, step: (client: ClientProcess) => Promise<T>): Promise<T | undefined> {
    const client = this.clients[i];
    if (!client || this.failures.has(i)) return undefined;
    try {
      return await step(client);
    } catch (error) {
      this.fail(i, error);
      return undefined;
    }
  }

  /** Why member `i` dropped out, or `undefined` when it did not. */
  failure(i: number): string | undefined {
    return this.failures.get(i);
  }

  /** Closes every process still running. */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client?.close()));
  }

  private fail(i: number, error: unknown): void {
    const member = this.members[i] as GroupMember;
    const reason = `${member.kind} client process failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`\n*** ${member.label}: ${reason} ***\n\n`);
    this.failures.set(i, reason);
  }
}
