import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { action } from './command-run.js';
import { noWaitOption, targetOption, waitOption } from './common-options.js';
import { finishOperation } from './operation-wait.js';

/** The power verbs of `hvc guests`, each one RPC of the guest service. */
const VERBS = [
  ['start', 'startGuest', 'start a guest'],
  ['stop', 'stopGuest', 'stop a guest at once, like pulling the plug'],
  ['shutdown', 'shutdownGuest', "ask the guest OS to shut down (ACPI, or the container's init)"],
  ['reboot', 'rebootGuest', 'ask the guest OS to reboot'],
  ['reset', 'resetGuest', 'reset a VM at once, like the reset button'],
  ['suspend', 'suspendGuest', 'pause a guest'],
  ['resume', 'resumeGuest', 'resume a paused guest'],
] as const;

/** `hvc guests start|stop|shutdown|reboot|reset|suspend|resume ID --target T` (operator). */
export function guestPowerCommands(io: CliIo): Command[] {
  return VERBS.map(([verb, method, description]) =>
    new Command(verb)
      .description(`${description} (operator)`)
      .argument('<id>', 'the guest id, e.g. qemu/100')
      .addOption(targetOption())
      .addOption(waitOption())
      .addOption(noWaitOption())
      .action(
        action(io, async (run, guestId) => {
          const { operation } = await run
            .client()
            .guests[method]({ targetId: run.flags.target as string, guestId });
          await finishOperation(run, operation);
        }),
      ),
  );
}
