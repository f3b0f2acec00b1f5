import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { childExecArgv } from '../src/clients/child-exec-argv.js';
import { CommandChannel } from '../src/ipc/command-channel.js';

type ScriptedCommand = { readonly id: number } & (
  | { readonly cmd: 'echo'; readonly value: string }
  | { readonly cmd: 'fail' | 'ignore' | 'exit' | 'close' }
);

interface ScriptedReply {
  readonly id: number;
  readonly error?: string;
  readonly value?: string;
}

// Far longer than any answer takes: a command given it is one expected never to time out.
const NO_TIMEOUT_MS = 60_000;

const opened: Array<CommandChannel<ScriptedCommand, ScriptedReply>> = [];

function scriptedChild(...args: string[]): CommandChannel<ScriptedCommand, ScriptedReply> {
  const child = fork(fileURLToPath(new URL('./fixtures/scripted-child.ts', import.meta.url)), args, {
    execArgv: childExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const channel = new CommandChannel<ScriptedCommand, ScriptedReply>(child, 'the scripted process');
  opened.push(channel);
  return channel;
}

afterEach(async () => {
  for (const channel of opened.splice(0)) {
    channel.kill();
    await channel.exited;
  }
});

describe('CommandChannel', () => {
  it('resolves each command with the reply of its id and rejects with the error the child answers', async () => {
    const channel = scriptedChild();
    const [first, second] = await Promise.all([
      channel.command({ cmd: 'echo', value: 'first' }, NO_TIMEOUT_MS),
      channel.command({ cmd: 'echo', value: 'second' }, NO_TIMEOUT_MS),
    ]);
    expect(first.value).toBe('first');
    expect(second.value).toBe('second');
    expect(first.id).not.toBe(second.id);
    await expect(channel.command({ cmd: 'fail' }, NO_TIMEOUT_MS)).rejects.toThrow(/^asked to fail$/);
    expect(channel.gone).toBeUndefined();
  });

  it('rejects a command the child never answers once its timeout passes, naming both, and kills the child', async () => {
    const channel = scriptedChild();
    await expect(channel.command({ cmd: 'ignore' }, 200)).rejects.toThrow(
      'the scripted process did not answer ignore within 200 ms',
    );
    await channel.exited;
    expect(channel.gone).toBe('the scripted process exited (SIGKILL)');
  });

  it('rejects every command pending when the child exits, then rejects new commands at once', async () => {
    const channel = scriptedChild();
    const pending = [
      channel.command({ cmd: 'ignore' }, NO_TIMEOUT_MS),
      channel.command({ cmd: 'ignore' }, NO_TIMEOUT_MS),
      channel.command({ cmd: 'exit' }, NO_TIMEOUT_MS),
    ];
    const outcomes = await Promise.allSettled(pending);
    expect(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'resolved')),
    ).toEqual([
      'Error: the scripted process exited (code 3) before answering ignore',
      'Error: the scripted process exited (code 3) before answering ignore',
      'Error: the scripted process exited (code 3) before answering exit',
    ]);
    await expect(channel.command({ cmd: 'echo', value: 'late' }, NO_TIMEOUT_MS)).rejects.toThrow(
      'the scripted process exited (code 3): echo was not sent',
    );
  });

  it('resolves with the announcement the child sends of its own accord', async () => {
    const channel = scriptedChild('announce');
    await expect(channel.announced<{ ready: boolean }>(NO_TIMEOUT_MS)).resolves.toEqual({ ready: true });
  });

  it('rejects when no announcement comes in time and kills the child', async () => {
    const channel = scriptedChild();
    await expect(channel.announced(200)).rejects.toThrow(
      'the scripted process did not announce itself ready within 200 ms',
    );
    await channel.exited;
    expect(channel.gone).toMatch(/SIGKILL/);
  });

  it('rejects the wait for an announcement when the child exits first', async () => {
    const channel = scriptedChild();
    const announced = channel.announced(NO_TIMEOUT_MS);
    void channel.command({ cmd: 'exit' }, NO_TIMEOUT_MS).catch(() => undefined);
    await expect(announced).rejects.toThrow(
      'the scripted process exited (code 3) before announcing itself ready',
    );
  });

  it('closes a child that answers its close command, and kills one that does not answer in time', async () => {
    const answering = scriptedChild();
    await answering.close({ cmd: 'close' }, NO_TIMEOUT_MS);
    expect(answering.gone).toBe('the scripted process exited (code 0)');
    // Once gone, closing again returns at once.
    await answering.close({ cmd: 'close' }, NO_TIMEOUT_MS);

    const silent = scriptedChild();
    await silent.close({ cmd: 'ignore' }, 200);
    expect(silent.gone).toBe('the scripted process exited (SIGKILL)');
  });
});
