import { readFileSync } from 'node:fs';
import type { JsonObject } from '@bufbuild/protobuf';
import type { wire } from '@hvc/client';
import { type Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { readAll } from '../io.js';
import type { CommandRun } from './command-run.js';
import { positiveNumber } from './common-options.js';
import { type GuestSpecFlags, guestSpecOf } from './guest-spec.js';
import { objectFromFile, objectFromText } from './structured-input.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Adds the flags of a guest spec (`hvc guests create` and `hvc guests ensure`) to `command`. */
export function guestSpecOptions(command: Command): Command {
  return command
    .option('--name <name>', "the guest's name")
    .addOption(new Option('--type <type>', 'a VM or a container (default vm)').choices(['vm', 'container']))
    .option('--node <node>', 'the node to create it on (the hypervisor picks one when omitted)')
    .option('--cpus <n>', 'virtual CPUs', positiveNumber)
    .option('--memory <mib>', 'memory in MiB', positiveNumber)
    .option(
      '--disk <gib[:storage]>',
      'a disk of this size in GiB, on this storage (repeat for more)',
      collect,
      [],
    )
    .option(
      '--nic <bridge[,model=m][,vlan=n][,mac=x][,firewall]>',
      'a network interface (repeat for more)',
      collect,
      [],
    )
    .option('--tag <tag>', 'a tag (repeat for more)', collect, [])
    .option('--pool <pool>', 'the resource pool')
    .option('--description <text>', 'a description')
    .option('--start', 'start it once created (ensure: start it when it is stopped)')
    .option('--os-type <os>', 'VMs: linux, windows or other')
    .option('--firmware <firmware>', 'VMs: bios or uefi')
    .option('--guest-agent', "VMs: a QEMU guest agent channel, for the guest's addresses")
    .option('--cdrom <volume>', 'VMs: an ISO volume to boot from')
    .option('--os-template <volume>', 'containers: the OS template volume')
    .option('--unprivileged', 'containers: run unprivileged')
    .option(
      '--from-template <guest>',
      'VMs: clone this template guest (see `hvc images list --kind template`)',
    )
    .option('--from-image <volume>', 'VMs: copy this disk image (a cloud image) into the boot disk')
    .option('--iso <volume>', 'VMs: boot this ISO first (an installer)')
    .option('--disk-size <gib>', "VMs: grow the template's or image's boot disk to this size", positiveNumber)
    .option(
      '--ip <cidr[,gw=addr]|dhcp>',
      'VMs: the address of the next NIC, by cloud-init (repeat per NIC)',
      collect,
      [],
    )
    .option('--user <name>', 'VMs: the cloud-init login user that gets the keys and password')
    .option(
      '--password-stdin',
      "read the password from stdin: a VM's cloud-init user, a container's root (it is never logged)",
    )
    .option('--ssh-key-file <path>', 'an SSH public key file to install (repeat for more)', collect, [])
    .option('--provider-options <json>', 'connector-specific settings, e.g. {"proxmox": {...}}')
    .option('--spec-file <path>', "the whole spec in the API's JSON (or YAML) form; flags override it");
}

/** The `GuestSpec` the flags of {@link guestSpecOptions} give, with the files and stdin they name read. */
export async function guestSpecOfRun(run: CommandRun): Promise<wire.GuestSpec> {
  const f = run.flags as Record<string, unknown>;
  const fromFile =
    f.specFile === undefined ? {} : await objectFromFile(f.specFile as string, run.io.stdin, '--spec-file');
  const password = f.passwordStdin ? await readAll(run.io.stdin) : undefined;
  const providerOptions =
    f.providerOptions === undefined
      ? undefined
      : objectFromText(f.providerOptions as string, '--provider-options');
  const sshPublicKeys = (f.sshKeyFile as string[]).map((path) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new CliError(`--ssh-key-file: cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
    }
  });
  return guestSpecOf(
    {
      ...(f as unknown as GuestSpecFlags),
      sshPublicKeys,
      ...(providerOptions ? { providerOptions } : {}),
    },
    fromFile as JsonObject,
    password,
  );
}
