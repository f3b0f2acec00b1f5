import { Command, Option } from 'commander';
import { contextCommand } from './commands/context.js';
import { guestsCommand } from './commands/guests.js';
import { imagesCommand, networksCommand, storagesCommand } from './commands/inventory.js';
import { loginCommand, logoutCommand } from './commands/login.js';
import { membersCommand } from './commands/members.js';
import { nodesCommand } from './commands/nodes.js';
import { operationsCommand } from './commands/operations.js';
import { snapshotsCommand } from './commands/snapshots.js';
import { targetsCommand } from './commands/targets.js';
import { addCompletion } from './completion.js';
import { PROTOCOLS } from './config/config-file.js';
import type { CliIo } from './io.js';
import { colorsFor } from './output/colors.js';
import { OUTPUT_FORMATS } from './output/output-format.js';
import { VERSION } from './version.js';

const FOOTER = `
Examples:
  hvc login --server https://hvc.example.com --org acme
  hvc targets list
  hvc guests list --target pve-eu-1 --state running -o wide
  hvc guests start qemu/100 --target pve-eu-1
  hvc guests create -t pve-eu-1 --name web-2 --cpus 2 --memory 2048 --disk 32 --nic vmbr0 --no-wait -o json

Environment:
  HVC_SERVER, HVC_ORG, HVC_CONTEXT, HVC_TARGET  defaults for --server, --org, --context and --target
  HVC_TOKEN          a bearer token (e.g. a service token) used instead of the stored login, for scripts
  HVC_CONFIG_DIR     where config.yaml (and credentials.json without a keychain) live; default $XDG_CONFIG_HOME/hvc
  HVC_KEYCHAIN=off   never use the system keychain
  NO_COLOR           no colours (they are also off when the output is not a terminal)

Exit codes: 0 ok, 1 error, 2 usage, 3 invalid argument, 4 unauthenticated, 5 permission denied, 6 not found,
7 already exists, 8 failed precondition, 9 operation failed, 10 cancelled, 11 unavailable, 12 deadline exceeded,
13 unimplemented, 14 resource exhausted, 130 interrupted.`;

/** Gives every command below `command` the root's help, output and exit settings (addCommand does not). */
function inheritSettings(command: Command, root: Command): void {
  for (const sub of command.commands) {
    sub.copyInheritedSettings(root);
    inheritSettings(sub, root);
  }
}

/** The `hvc` command tree, writing through `io`. Parsing it runs the command. */
export async function hvcProgram(io: CliIo): Promise<Command> {
  const err = colorsFor(io.stderr, io.env);
  const program = new Command('hvc')
    .description(
      'The command line for hvc-server: log in, then drive targets, guests, snapshots and operations.',
    )
    .usage('[options] <noun> <verb> [args]')
    .version(VERSION, '-v, --version', 'print the version')
    .addOption(new Option('-s, --server <url>', 'the hvc-server to call').env('HVC_SERVER'))
    .addOption(new Option('--org <id>', 'the organisation to act in').env('HVC_ORG'))
    .addOption(new Option('--context <name>', 'use this context, not the current one').env('HVC_CONTEXT'))
    .addOption(
      new Option('-o, --output <format>', 'how results are printed').choices(OUTPUT_FORMATS).default('table'),
    )
    .addOption(new Option('--protocol <protocol>', 'the wire protocol (default grpc)').choices(PROTOCOLS))
    .option('--debug', 'print each call and its outcome to stderr (never a token)')
    .helpOption('-h, --help', 'show help')
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(err.red(text)),
    })
    .addHelpText('after', FOOTER);

  program.commandsGroup('Log in and choose a server:');
  program.addCommand(loginCommand(io)).addCommand(logoutCommand(io)).addCommand(contextCommand(io));
  program.commandsGroup('Resources:');
  program
    .addCommand(targetsCommand(io))
    .addCommand(nodesCommand(io))
    .addCommand(guestsCommand(io))
    .addCommand(storagesCommand(io))
    .addCommand(networksCommand(io))
    .addCommand(imagesCommand(io))
    .addCommand(snapshotsCommand(io))
    .addCommand(operationsCommand(io))
    .addCommand(membersCommand(io));
  program.commandsGroup('Shell:');
  await addCompletion(program, io);
  program.helpCommand('help [command]', 'show help for a command');
  inheritSettings(program, program);
  return program;
}
