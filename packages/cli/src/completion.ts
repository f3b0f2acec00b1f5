import type { Command } from 'commander';
import { readConfig } from './config/config-file.js';
import type { CliIo } from './io.js';

/**
 * Shell completion through `@bomb.sh/tab`: `hvc completion bash|zsh|fish|powershell` prints the script, which calls
 * the hidden `hvc complete -- <words>` on each Tab. Commands, flags and flag choices come from the command tree;
 * context names come from `config.yaml`. The library is an ES module loaded with `import()`, which the CommonJS
 * build keeps as is.
 */
export async function addCompletion(program: Command, io: CliIo): Promise<void> {
  const { default: tab } = await import('@bomb.sh/tab/commander');
  const completion = tab(program, { completionCommandName: 'completion' });
  program.commands
    .find((command) => command.name() === 'completion')
    ?.description('print the shell completion script: source <(hvc completion bash)');
  const contextNames = (complete: (value: string, description: string) => void) => {
    const { contexts } = (() => {
      try {
        return readConfig(io.env);
      } catch {
        return { contexts: {} };
      }
    })();
    for (const [name, context] of Object.entries(contexts)) complete(name, context.server);
  };
  for (const verb of ['use', 'set', 'delete']) {
    const argument = completion.commands.get(`context ${verb}`)?.arguments.get('name');
    if (argument) argument.handler = contextNames;
  }
  const contextOption = completion.options.get('context');
  if (contextOption) contextOption.handler = contextNames;
}
