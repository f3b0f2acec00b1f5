import { toJson } from '@bufbuild/protobuf';
import { wire } from '@hvc/client';
import { Command } from 'commander';
import type { CliIo } from '../io.js';
import { GUEST_INTERFACES } from '../output/views.js';
import { action, type CommandRun } from './command-run.js';
import {
  noWaitOption,
  positiveNumber,
  repeatableChoiceOption,
  targetOption,
  waitOption,
} from './common-options.js';
import { nicOf } from './guest-spec.js';
import { idempotencyKeyOption, idempotencyOf } from './idempotency-option.js';
import { finishOperation } from './operation-wait.js';

/** A write on one guest: target, idempotency key and the wait flags, then `start` with the guest id. */
function guestWrite(
  io: CliIo,
  name: string,
  description: string,
  configure: (command: Command) => Command,
  start: (run: CommandRun, guestId: string, ...rest: string[]) => Promise<{ operation?: wire.Operation }>,
): Command {
  const command = new Command(name).description(description).argument('<id>', 'the guest id, e.g. qemu/100');
  return configure(command)
    .addOption(targetOption())
    .addOption(idempotencyKeyOption())
    .addOption(waitOption())
    .addOption(noWaitOption())
    .action(
      action(io, async (run, guestId: string, ...rest: string[]) => {
        const { operation } = await start(run, guestId, ...rest);
        await finishOperation(run, operation);
      }),
    );
}

/**
 * `hvc guests addresses|config|resize-disk|add-disk|remove-disk|add-nic|remove-nic|template`: a guest's devices and
 * addresses, and the changes made to them.
 */
export function guestDeviceCommands(io: CliIo): Command[] {
  const addresses = new Command('addresses')
    .description("show a guest's IP addresses, each with where it was learnt")
    .argument('<id>', 'the guest id, e.g. qemu/100')
    .addOption(targetOption())
    .addOption(
      repeatableChoiceOption('--source <source>', 'ask only this source (repeat for several)', [
        'agent',
        'lease',
        'arp',
        'host',
      ]),
    )
    .action(
      action(io, async (run, guestId: string) => {
        const answer = await run
          .client()
          .guests.getGuestAddresses(
            { targetId: run.flags.target as string, guestId, sources: run.flags.source as string[] },
            { signal: run.io.signal },
          );
        if (run.printer.format === 'json' || run.printer.format === 'yaml') {
          run.printer.data(toJson(wire.GetGuestAddressesResponseSchema, answer));
          return;
        }
        run.printer.list(GUEST_INTERFACES, answer.interfaces);
        for (const [source, status] of Object.entries(answer.sources)) {
          if (status.status !== 'ok')
            run.io.stderr.write(
              `${source}: ${status.status}${status.message ? ` (${status.message})` : ''}\n`,
            );
        }
      }),
    );

  const config = new Command('config')
    .description("show a guest's disks, CD-ROMs, NICs, boot order and cloud-init settings (no secrets)")
    .argument('<id>', 'the guest id, e.g. qemu/100')
    .addOption(targetOption())
    .action(
      action(io, async (run, guestId: string) => {
        const { config } = await run
          .client()
          .guests.getGuestConfig(
            { targetId: run.flags.target as string, guestId },
            { signal: run.io.signal },
          );
        // Tables cannot hold nested devices: the configuration prints as YAML unless JSON is asked.
        if (config) run.printer.data(toJson(wire.GuestConfigSchema, config));
      }),
    );

  const resizeDisk = guestWrite(
    io,
    'resize-disk',
    'grow a disk to an absolute size in GiB; disks only grow (operator)',
    (c) =>
      c
        .argument('<slot>', 'the disk slot, from `hvc guests config` (e.g. scsi0)')
        .argument('<size-gib>', 'the new size in GiB', positiveNumber)
        .option('--if-match <digest>', 'apply only if the configuration still has this digest'),
    (run, guestId, slot, size) =>
      run.client().guests.resizeDisk(
        {
          targetId: run.flags.target as string,
          guestId,
          slot: slot as string,
          sizeGib: Number(size),
          ...(run.flags.ifMatch === undefined ? {} : { ifMatch: run.flags.ifMatch as string }),
        },
        idempotencyOf(run.flags),
      ),
  );

  const addDisk = guestWrite(
    io,
    'add-disk',
    'add a blank disk (operator)',
    (c) =>
      c
        .requiredOption('--size <gib>', 'its size in GiB', positiveNumber)
        .option('--storage <storage>', 'the storage to allocate it on')
        .option('--slot <slot>', 'the slot to use (the next free one when omitted)'),
    (run, guestId) => {
      const f = run.flags as Record<string, unknown>;
      return run.client().guests.addDisk(
        {
          targetId: f.target as string,
          guestId,
          sizeGib: f.size as number,
          ...(f.storage === undefined ? {} : { storage: f.storage as string }),
          ...(f.slot === undefined ? {} : { slot: f.slot as string }),
        },
        idempotencyOf(f),
      );
    },
  );

  const removeDisk = guestWrite(
    io,
    'remove-disk',
    'remove a disk and destroy its volume unless --keep-volume (operator)',
    (c) => c.argument('<slot>', 'the disk slot').option('--keep-volume', 'keep the volume'),
    (run, guestId, slot) =>
      run.client().guests.removeDisk(
        {
          targetId: run.flags.target as string,
          guestId,
          slot: slot as string,
          keepVolume: run.flags.keepVolume === true,
        },
        idempotencyOf(run.flags),
      ),
  );

  const addNic = guestWrite(
    io,
    'add-nic',
    'add a network interface (operator)',
    (c) =>
      c
        .argument(
          '<network>',
          'NETWORK[,model=M][,vlan=N][,mac=MAC][,firewall], the network from `hvc networks list`',
        )
        .option('--slot <slot>', 'the slot to use (the next free one when omitted)'),
    (run, guestId, network) => {
      const { bridge, ...rest } = nicOf(network as string);
      return run.client().guests.addNic(
        {
          targetId: run.flags.target as string,
          guestId,
          nic: { ...rest, network: bridge as string },
          ...(run.flags.slot === undefined ? {} : { slot: run.flags.slot as string }),
        },
        idempotencyOf(run.flags),
      );
    },
  );

  const removeNic = guestWrite(
    io,
    'remove-nic',
    'remove a network interface (operator)',
    (c) => c.argument('<slot>', 'the NIC slot, from `hvc guests config` (e.g. net1)'),
    (run, guestId, slot) =>
      run
        .client()
        .guests.removeNic(
          { targetId: run.flags.target as string, guestId, slot: slot as string },
          idempotencyOf(run.flags),
        ),
  );

  const template = guestWrite(
    io,
    'template',
    'make a stopped guest a template to clone from (operator)',
    (c) => c,
    (run, guestId) =>
      run
        .client()
        .guests.convertToTemplate(
          { targetId: run.flags.target as string, guestId },
          idempotencyOf(run.flags),
        ),
  );

  return [addresses, config, resizeDisk, addDisk, removeDisk, addNic, removeNic, template];
}
