import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { action } from './command-run.js';
import { noWaitOption, targetOption, waitOption } from './common-options.js';
import { idempotencyKeyOption, idempotencyOf } from './idempotency-option.js';
import { finishOperation } from './operation-wait.js';

/** The verbs of `hvc guests` that take a guest id only and start an operation: one RPC each, and who may call it. */
const VERBS = [
  ['delete', 'deleteGuest', 'delete a guest and its disks', 'admin'],
  ['start', 'startGuest', 'start a guest', 'operator'],
  ['stop', 'stopGuest', 'stop a guest at once, like pulling the plug', 'operator'],
  ['shutdown', 'shutdownGuest', "ask the guest OS to shut down (ACPI, or the container's init)", 'operator'],
  ['reboot', 'rebootGuest', 'ask the guest OS to reboot', 'operator'],
  ['reset', 'resetGuest', 'reset a VM at once, like the reset button', 'operator'],
  ['suspend', 'suspendGuest', 'pause a guest', 'operator'],
  ['resume', 'resumeGuest', 'resume a paused guest', 'operator'],
] as const;

/** `hvc guests delete|start|stop|shutdown|reboot|reset|suspend|resume ID --target T`. */
export function guestActionCommands(io: CliIo): Command[] {
  return VERBS.map(([verb, method, description, role]) => {
    const command = new Command(verb)
      .description(`${description} (${role})`)
      .argument('<id>', 'the guest id, e.g. qemu/100')
      .addOption(targetOption())
      .addOption(idempotencyKeyOption())
      .addOption(waitOption())
      .addOption(noWaitOption())
      .action(
        action(io, async (run, guestId) => {
          const { operation } = await run
            .client()
            .guests[method]({ targetId: run.flags.target as string, guestId }, idempotencyOf(run.flags));
          await finishOperation(run, operation);
        }),
      );
    return verb === 'delete' ? command.alias('rm') : command;
  });
}
