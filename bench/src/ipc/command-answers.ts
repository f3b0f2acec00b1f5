import type { ChannelCommand, ChannelReply } from './command-channel.js';

/**
 * The child's side of a {@link CommandChannel}: answers each command from the parent with `answer`'s result, or with
 * `{ error }` (its first line) when it fails, and goes on answering. A `close` command's process exits once its reply
 * is written, so the parent reads the reply rather than only the exit.
 */
export function answerCommands<Command extends ChannelCommand, Reply extends ChannelReply>(
  answer: (command: Command) => Promise<Omit<Reply, 'id'>>,
): void {
  process.on('message', (command: Command) => {
    void answer(command).then(
      (reply) => {
        const then = command.cmd === 'close' ? () => process.exit(0) : undefined;
        process.send?.({ ...reply, id: command.id }, undefined, {}, then);
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        process.send?.({ id: command.id, error: message } satisfies ChannelReply);
      },
    );
  });
}
