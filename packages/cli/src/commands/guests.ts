import { readFileSync } from 'node:fs';
import { type JsonObject, toJson } from '@bufbuild/protobuf';
import { wire } from '@hvc/client';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { type CliIo, readAll } from '../io.js';
import { GUESTS, METRIC_POINTS } from '../output/views.js';
import { action, type CommandRun } from './command-run.js';
import {
  count,
  intervalOption,
  noWaitOption,
  positiveNumber,
  targetOption,
  waitOption,
  watchOption,
} from './common-options.js';
import { guestActionCommands } from './guest-actions.js';
import { guestDeviceCommands } from './guest-devices.js';
import { type GuestSpecFlags, guestSpecOf } from './guest-spec.js';
import { idempotencyKeyOption, idempotencyOf } from './idempotency-option.js';
import { finishOperation } from './operation-wait.js';
import { objectFromFile, objectFromText } from './structured-input.js';
import { listOrWatch } from './watch-list.js';

const collect = (value: string, previous: string[]) => [...previous, value];

const STATES: Record<string, wire.GuestState> = {
  running: wire.GuestState.RUNNING,
  stopped: wire.GuestState.STOPPED,
  paused: wire.GuestState.PAUSED,
  suspended: wire.GuestState.SUSPENDED,
};

const TIMEFRAMES: Record<string, wire.MetricTimeframe> = {
  hour: wire.MetricTimeframe.HOUR,
  day: wire.MetricTimeframe.DAY,
  week: wire.MetricTimeframe.WEEK,
  month: wire.MetricTimeframe.MONTH,
  year: wire.MetricTimeframe.YEAR,
};

/** Every guest the filter matches, page by page, up to `limit` (0: all). */
async function listGuests(run: CommandRun, targetId: string, limit: number): Promise<wire.Guest[]> {
  const f = run.flags as unknown as {
    type?: 'vm' | 'container';
    node?: string;
    state?: string;
    tag: string[];
    namePrefix?: string;
    pool?: string;
    templates?: boolean;
  };
  const filter = {
    ...(f.type === undefined ? {} : { type: f.type === 'vm' ? wire.GuestType.VM : wire.GuestType.CONTAINER }),
    ...(f.node === undefined ? {} : { node: f.node }),
    ...(f.state === undefined ? {} : { state: STATES[f.state] }),
    tags: f.tag,
    ...(f.namePrefix === undefined ? {} : { namePrefix: f.namePrefix }),
    ...(f.pool === undefined ? {} : { pool: f.pool }),
    ...(f.templates === false ? { templates: false } : {}),
  };
  const guests: wire.Guest[] = [];
  let pageToken = '';
  do {
    const pageSize = limit === 0 ? 1000 : Math.min(1000, limit - guests.length);
    const page = await run
      .client()
      .guests.listGuests({ targetId, filter, pageSize, pageToken }, { signal: run.io.signal });
    guests.push(...page.guests);
    pageToken = page.nextPageToken;
  } while (pageToken !== '' && (limit === 0 || guests.length < limit));
  return guests;
}

/** `hvc guests`: virtual machines and containers of a target, and their lifecycle. */
export function guestsCommand(io: CliIo): Command {
  const guests = new Command('guests').description('virtual machines and containers of a target');

  guests
    .command('list')
    .alias('ls')
    .description("list a target's guests, ordered by id")
    .addOption(targetOption())
    .addOption(new Option('--type <type>', 'only VMs or only containers').choices(['vm', 'container']))
    .option('--node <node>', 'only guests on this node')
    .addOption(new Option('--state <state>', 'only guests in this state').choices(Object.keys(STATES)))
    .option('--tag <tag>', 'only guests with this tag (repeat for all of several)', collect, [])
    .option('--name-prefix <prefix>', 'only guests whose name starts with this')
    .option('--pool <pool>', 'only guests in this pool')
    .option('--no-templates', 'leave templates out')
    .option('--limit <n>', 'at most this many (0: all)', count, 0)
    .addOption(watchOption())
    .addOption(intervalOption())
    .action(
      action(io, (run) =>
        listOrWatch(run, async (printer) => {
          printer.list(GUESTS, await listGuests(run, run.flags.target as string, run.flags.limit as number));
        }),
      ),
    );

  guests
    .command('get')
    .description('show one guest')
    .argument('<id>', 'the guest id, e.g. qemu/100')
    .addOption(targetOption())
    .action(
      action(io, async (run, guestId) => {
        const { guest } = await run
          .client()
          .guests.getGuest({ targetId: run.flags.target as string, guestId });
        if (guest) run.printer.one(GUESTS, guest);
      }),
    );

  guests
    .command('metrics')
    .description("show a guest's metrics (CPU, memory, network, disk) over a timeframe, oldest first")
    .argument('<id>', 'the guest id, e.g. qemu/100')
    .addOption(targetOption())
    .addOption(
      new Option('--timeframe <window>', 'how far back to read')
        .choices(Object.keys(TIMEFRAMES))
        .default('hour'),
    )
    .action(
      action(io, async (run, guestId) => {
        const { series } = await run.client().guests.getMetrics(
          {
            targetId: run.flags.target as string,
            guestId,
            timeframe: TIMEFRAMES[run.flags.timeframe as string],
          },
          { signal: run.io.signal },
        );
        if (series === undefined) return;
        if (run.printer.format === 'json' || run.printer.format === 'yaml')
          run.printer.data(toJson(wire.MetricSeriesSchema, series));
        else run.printer.list(METRIC_POINTS, series.points);
      }),
    );

  guests
    .command('create')
    .description('create a guest (operator)')
    .addOption(targetOption())
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
    .option('--start', 'start it once created')
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
    .option('--spec-file <path>', "the whole spec in the API's JSON (or YAML) form; flags override it")
    .addOption(idempotencyKeyOption())
    .addOption(waitOption())
    .addOption(noWaitOption())
    .addHelpText(
      'after',
      `
Examples:
  hvc guests create -t pve-eu-1 --name web-2 --cpus 2 --memory 2048 --disk 32:local-lvm --nic vmbr0 --start
  hvc guests create -t pve-eu-1 --name web-3 --from-image local:import/noble.qcow2 --disk-size 20 \\
      --nic vmbr0 --ip 10.0.0.5/24,gw=10.0.0.1 --user ops --ssh-key-file ~/.ssh/id_ed25519.pub
  hvc guests create -t pve-eu-1 --type container --name cache-2 --os-template local:vztmpl/debian-12.tar.zst --password-stdin < pw.txt`,
    )
    .action(
      action(io, async (run) => {
        const f = run.flags as Record<string, unknown>;
        const fromFile =
          f.specFile === undefined
            ? {}
            : await objectFromFile(f.specFile as string, run.io.stdin, '--spec-file');
        const password = f.passwordStdin ? await readAll(run.io.stdin) : undefined;
        const providerOptions =
          f.providerOptions === undefined
            ? undefined
            : objectFromText(f.providerOptions as string, '--provider-options');
        const sshPublicKeys = (f.sshKeyFile as string[]).map((path) => {
          try {
            return readFileSync(path, 'utf8').trim();
          } catch (error) {
            throw new CliError(
              `--ssh-key-file: cannot read ${path}: ${(error as Error).message}`,
              EXIT.usage,
            );
          }
        });
        const spec = guestSpecOf(
          {
            ...(f as unknown as GuestSpecFlags),
            sshPublicKeys,
            ...(providerOptions ? { providerOptions } : {}),
          },
          fromFile as JsonObject,
          password,
        );
        const { operation } = await run
          .client()
          .guests.createGuest({ targetId: f.target as string, spec }, idempotencyOf(f));
        await finishOperation(run, operation);
      }),
    );

  guests
    .command('clone')
    .description('clone a guest or template (operator)')
    .argument('<id>', 'the guest to clone')
    .addOption(targetOption())
    .option('--name <name>', "the clone's name")
    .option('--node <node>', 'the node to put the clone on')
    .addOption(
      new Option('--mode <mode>', 'a full copy, or linked to the source (templates)').choices([
        'full',
        'linked',
      ]),
    )
    .option('--snapshot <name>', 'clone this snapshot of the source')
    .option('--pool <pool>', 'the resource pool')
    .option('--storage <storage>', "the storage for the clone's disks")
    .option('--description <text>', 'a description')
    .addOption(waitOption())
    .addOption(noWaitOption())
    .action(
      action(io, async (run, guestId) => {
        const f = run.flags as Record<string, string | undefined>;
        const { operation } = await run.client().guests.cloneGuest({
          targetId: f.target as string,
          guestId,
          ...(f.name === undefined ? {} : { name: f.name }),
          ...(f.node === undefined ? {} : { targetNode: f.node }),
          ...(f.mode === undefined ? {} : { mode: f.mode }),
          ...(f.snapshot === undefined ? {} : { snapshot: f.snapshot }),
          ...(f.pool === undefined ? {} : { pool: f.pool }),
          ...(f.storage === undefined ? {} : { storage: f.storage }),
          ...(f.description === undefined ? {} : { description: f.description }),
        });
        await finishOperation(run, operation);
      }),
    );

  guests
    .command('update')
    .description("change a guest's name, CPUs, memory, description or tags (operator)")
    .argument('<id>', 'the guest id')
    .addOption(targetOption())
    .option('--name <name>', 'a new name')
    .option('--cpus <n>', 'virtual CPUs', positiveNumber)
    .option('--memory <mib>', 'memory in MiB', positiveNumber)
    .option('--description <text>', 'a new description')
    .option('--tag <tag>', 'add this tag (repeat for more)', collect, [])
    .option('--replace-tags', 'make the --tag list the only tags (none: remove all)')
    .option('--if-match <version>', 'apply only if the configuration still has this version')
    .addOption(waitOption())
    .addOption(noWaitOption())
    .action(
      action(io, async (run, guestId) => {
        const f = run.flags as Record<string, unknown>;
        const targetId = f.target as string;
        const { operation } = await run.client().guests.updateGuest({
          targetId,
          guestId,
          ...(f.name === undefined ? {} : { name: f.name as string }),
          ...(f.cpus === undefined ? {} : { cpus: f.cpus as number }),
          ...(f.memory === undefined ? {} : { memoryMib: f.memory as number }),
          ...(f.description === undefined ? {} : { description: f.description as string }),
          tags: f.tag as string[],
          replaceTags: f.replaceTags === true,
          ...(f.ifMatch === undefined ? {} : { ifMatch: f.ifMatch as string }),
        });
        if (operation !== undefined) {
          await finishOperation(run, operation);
          return;
        }
        const { guest } = await run.client().guests.getGuest({ targetId, guestId });
        if (guest) run.printer.one(GUESTS, guest);
      }),
    );

  for (const command of guestActionCommands(io)) guests.addCommand(command);
  for (const command of guestDeviceCommands(io)) guests.addCommand(command);

  guests
    .command('migrate')
    .description('move a guest to another node of its cluster (operator)')
    .argument('<id>', 'the guest id')
    .addOption(targetOption())
    .requiredOption('--node <node>', 'the node to move it to')
    .option('--online', 'live-migrate a running guest (the default when it runs and the target can)')
    .option('--offline', 'migrate it stopped')
    .addOption(waitOption())
    .addOption(noWaitOption())
    .action(
      action(io, async (run, guestId) => {
        const f = run.flags as Record<string, unknown>;
        if (f.online && f.offline)
          throw new CliError('--online and --offline exclude each other', EXIT.usage);
        const { operation } = await run.client().guests.migrateGuest({
          targetId: f.target as string,
          guestId,
          targetNode: f.node as string,
          ...(f.online ? { online: true } : f.offline ? { online: false } : {}),
        });
        await finishOperation(run, operation);
      }),
    );

  return guests;
}
