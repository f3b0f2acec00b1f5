import { toJson } from '@bufbuild/protobuf';
import { wire } from '@hvc/client';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { GUEST_CHANGES, GUESTS, METRIC_POINTS } from '../output/views.js';
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
import { guestSpecOfRun, guestSpecOptions } from './guest-spec-options.js';
import { idempotencyKeyOption, idempotencyOf } from './idempotency-option.js';
import { finishOperation } from './operation-wait.js';
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

  guestSpecOptions(
    guests.command('create').description('create a guest (operator)').addOption(targetOption()),
  )
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
        const spec = await guestSpecOfRun(run);
        const { operation } = await run
          .client()
          .guests.createGuest({ targetId: f.target as string, spec }, idempotencyOf(f));
        await finishOperation(run, operation);
      }),
    );

  guestSpecOptions(
    guests
      .command('ensure')
      .description(
        'make the guest named --name match the spec: create it, or change what differs, and report each change (operator)',
      )
      .addOption(targetOption()),
  )
    .addOption(idempotencyKeyOption())
    .addHelpText(
      'after',
      `
It waits for every operation it runs. Each change is applied now, on-restart (the guest runs: at its next start) or
not-applied (it would need the guest made again, e.g. a smaller disk).

Examples:
  hvc guests ensure -t pve-eu-1 --name web-2 --cpus 4 --memory 4096 --disk 32:local-lvm --nic vmbr0 --start
  hvc guests ensure -t pve-eu-1 --spec-file web-2.yaml -o json`,
    )
    .action(
      action(io, async (run) => {
        const f = run.flags as Record<string, unknown>;
        const spec = await guestSpecOfRun(run);
        const answer = await run
          .client()
          .guests.ensureGuest(
            { targetId: f.target as string, spec },
            { ...idempotencyOf(f), signal: run.io.signal },
          );
        if (run.printer.format === 'json' || run.printer.format === 'yaml') {
          run.printer.data(toJson(wire.EnsureGuestResponseSchema, answer));
          return;
        }
        if (answer.guest) run.printer.one(GUESTS, answer.guest);
        if (answer.created) run.io.stderr.write(`Created ${answer.guest?.id ?? spec.name}.\n`);
        else run.printer.list(GUEST_CHANGES, answer.changes);
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
