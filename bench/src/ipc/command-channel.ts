import type { ChildProcess } from 'node:child_process';

/** What every command to a child carries: the id its reply answers, and its name. */
export interface ChannelCommand {
  readonly id: number;
  readonly cmd: string;
}

/** What every reply from a child carries: the id of the command it answers, and `error` when that failed. */
export interface ChannelReply {
  readonly id: number;
  readonly error?: string;
}

/** A command as the caller writes it: the channel numbers it. */
export type Unnumbered<Command> = Command extends unknown ? Omit<Command, 'id'> : never;

interface Waiter {
  /** What the child owes, for errors: "answering <cmd>" or "announcing itself ready". */
  readonly what: string;
  readonly resolve: (message: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Commands to a forked child over Node IPC, each answered by the reply with its id. Nothing waits forever: every
 * command and the child's announcement time out (the child, stuck, is then killed), a child that exits or fails
 * rejects whatever is pending, and a command sent once it is gone is rejected at once. Errors name the process
 * (`name`, such as "the responder process") and the command.
 */
export class CommandChannel<Command extends ChannelCommand, Reply extends ChannelReply> {
  private nextId = 1;
  private readonly pending = new Map<number, Waiter>();
  // The one waiter for a message the child sends of its own accord (its announcement that it is ready).
  private announcement: Waiter | undefined;
  private goneReason: string | undefined;
  /** Settles once the child has exited. */
  readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    /** How errors name the child, such as "the responder process". */
    readonly name: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (message: unknown) => this.receive(message));
    child.on('exit', (code, signal) => this.end(`${name} exited (${signal ?? `code ${code}`})`));
    // Failing to spawn or to be killed; a failed send is reported to the command that sent it.
    child.on('error', (error) => this.end(`${name} failed: ${error.message}`));
  }

  /** Why the child can no longer answer (it exited or failed), or `undefined` while it can. */
  get gone(): string | undefined {
    return this.goneReason;
  }

  /**
   * Sends `command` numbered with a fresh id and resolves with the child's reply to it. Rejects with the reply's
   * `error` when it has one; when no reply comes within `timeoutMs` (the child is then killed); when the child
   * exits or fails first; and at once when the child is already gone or the message cannot be sent.
   */
  command(command: Unnumbered<Command>, timeoutMs: number): Promise<Reply> {
    const { cmd } = command as Omit<ChannelCommand, 'id'>;
    if (this.goneReason !== undefined) {
      return Promise.reject(new Error(`${this.goneReason}: ${cmd} was not sent`));
    }
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // A child that does not answer in time is stuck: end it so that nothing else waits on it.
        this.kill();
        reject(new Error(`${this.name} did not answer ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        what: `answering ${cmd}`,
        resolve: (message) => resolve(message as Reply),
        reject,
        timer,
      });
      this.child.send({ ...command, id }, (error) => {
        const waiter = this.pending.get(id);
        if (!error || !waiter) return;
        this.pending.delete(id);
        clearTimeout(timer);
        waiter.reject(new Error(`${this.name} cannot be reached: ${error.message}`));
      });
    });
  }

  /**
   * Resolves with the first message the child sends that answers no command: its announcement that it is ready.
   * Rejects when none comes within `timeoutMs` (the child is then killed) or the child exits or fails first.
   */
  announced<Announcement>(timeoutMs: number): Promise<Announcement> {
    if (this.goneReason !== undefined) {
      return Promise.reject(new Error(`${this.goneReason} before announcing itself ready`));
    }
    return new Promise<Announcement>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.announcement = undefined;
        this.kill();
        reject(new Error(`${this.name} did not announce itself ready within ${timeoutMs} ms`));
      }, timeoutMs);
      this.announcement = {
        what: 'announcing itself ready',
        resolve: (message) => resolve(message as Announcement),
        reject,
        timer,
      };
    });
  }

  /**
   * Sends `command` (the child's own way to close) and waits for the child to exit; kills it when it does not
   * answer in `timeoutMs` or answers with an error. Returns at once when the child is already gone.
   */
  async close(command: Unnumbered<Command>, timeoutMs: number): Promise<void> {
    if (this.goneReason !== undefined) {
      this.kill();
      return;
    }
    try {
      await this.command(command, timeoutMs);
    } catch {
      // Exiting before the reply is read is fine: the child was asked to end.
      this.kill();
    }
    await this.exited;
  }

  /** Kills the child (SIGKILL) unless it has already ended. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private receive(message: unknown): void {
    const id = (message as Partial<ChannelReply> | null)?.id;
    const waiter = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (waiter !== undefined) {
      this.pending.delete(id as number);
      clearTimeout(waiter.timer);
      const { error } = message as ChannelReply;
      if (error === undefined) waiter.resolve(message);
      else waiter.reject(new Error(error));
      return;
    }
    // Not a reply to a command in flight (one that timed out is dropped): an announcement, if one is awaited.
    const announcement = this.announcement;
    if (announcement === undefined) return;
    this.announcement = undefined;
    clearTimeout(announcement.timer);
    announcement.resolve(message);
  }

  private end(reason: string): void {
    this.goneReason ??= reason;
    const waiters = [...this.pending.values(), ...(this.announcement ? [this.announcement] : [])];
    this.pending.clear();
    this.announcement = undefined;
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${reason} before ${waiter.what}`));
    }
  }
}
