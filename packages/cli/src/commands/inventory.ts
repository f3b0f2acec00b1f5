import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { Command, Option } from 'commander';
import type { CliIo } from '../io.js';
import type { View } from '../output/printer.js';
import { IMAGES, NETWORKS, STORAGES } from '../output/views.js';
import { allPages, type Page } from './all-pages.js';
import { action, type CommandRun } from './command-run.js';
import { count, repeatableChoiceOption, targetOption } from './common-options.js';

/** `hvc <noun> list`: a command group with one list subcommand over a paged inventory RPC. */
function inventoryCommand<Desc extends DescMessage>(
  io: CliIo,
  noun: string,
  description: string,
  view: View<Desc>,
  options: readonly Option[],
  fetch: (run: CommandRun, pageSize: number, pageToken: string) => Promise<Page<MessageShape<Desc>>>,
): Command {
  const group = new Command(noun).description(description);
  const list = group
    .command('list')
    .alias('ls')
    .description(`list a target's ${noun}, ordered by id`)
    .addOption(targetOption());
  for (const option of options) list.addOption(option);
  list.option('--limit <n>', 'at most this many (0: all)', count, 0).action(
    action(io, async (run) => {
      const items = await allPages(run.flags.limit as number, (pageSize, pageToken) =>
        fetch(run, pageSize, pageToken),
      );
      run.printer.list(view, items);
    }),
  );
  return group;
}

/** `hvc storages list`: where disks, images and ISOs live. */
export function storagesCommand(io: CliIo): Command {
  return inventoryCommand(
    io,
    'storages',
    'storages of a target: where disks, images and ISOs live',
    STORAGES,
    [
      new Option('--node <node>', 'only storages available on this node'),
      repeatableChoiceOption(
        '--content <kind>',
        'only storages that can hold this (repeat for all of several)',
        ['disk', 'container-rootfs', 'iso', 'container-template', 'image', 'snippet', 'backup'],
      ),
    ],
    async (run, pageSize, pageToken) => {
      const f = run.flags as unknown as { target: string; node?: string; content: string[] };
      const page = await run.client().inventory.listStorages(
        {
          targetId: f.target,
          ...(f.node === undefined ? {} : { node: f.node }),
          contentKinds: f.content,
          pageSize,
          pageToken,
        },
        { signal: run.io.signal },
      );
      return { items: page.storages, nextPageToken: page.nextPageToken };
    },
  );
}

/** `hvc networks list`: what NICs can be put on. */
export function networksCommand(io: CliIo): Command {
  return inventoryCommand(
    io,
    'networks',
    'networks of a target: bridges, SDN VNets, virtual networks',
    NETWORKS,
    [
      new Option('--node <node>', 'only networks that exist on this node'),
      repeatableChoiceOption('--kind <kind>', 'only networks of this kind (repeat for any of several)', [
        'bridge',
        'vnet',
        'virtual-network',
      ]),
    ],
    async (run, pageSize, pageToken) => {
      const f = run.flags as unknown as { target: string; node?: string; kind: string[] };
      const page = await run.client().inventory.listNetworks(
        {
          targetId: f.target,
          ...(f.node === undefined ? {} : { node: f.node }),
          kinds: f.kind,
          pageSize,
          pageToken,
        },
        { signal: run.io.signal },
      );
      return { items: page.networks, nextPageToken: page.nextPageToken };
    },
  );
}

/** `hvc images list`: what guests can be made from. */
export function imagesCommand(io: CliIo): Command {
  return inventoryCommand(
    io,
    'images',
    'images of a target: ISOs, disk images, container templates and guest templates',
    IMAGES,
    [
      repeatableChoiceOption('--kind <kind>', 'only images of this kind (repeat for any of several)', [
        'iso',
        'disk-image',
        'container-template',
        'template',
      ]),
      new Option('--storage <storage>', 'only images on this storage'),
      new Option('--node <node>', 'only images usable on this node'),
      new Option('--name-prefix <prefix>', 'only images whose name starts with this'),
    ],
    async (run, pageSize, pageToken) => {
      const f = run.flags as unknown as {
        target: string;
        kind: string[];
        storage?: string;
        node?: string;
        namePrefix?: string;
      };
      const page = await run.client().inventory.listImages(
        {
          targetId: f.target,
          kinds: f.kind,
          ...(f.storage === undefined ? {} : { storage: f.storage }),
          ...(f.node === undefined ? {} : { node: f.node }),
          ...(f.namePrefix === undefined ? {} : { namePrefix: f.namePrefix }),
          pageSize,
          pageToken,
        },
        { signal: run.io.signal },
      );
      return { items: page.images, nextPageToken: page.nextPageToken };
    },
  );
}
