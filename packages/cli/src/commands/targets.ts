import { create, type JsonObject, toJson } from '@bufbuild/protobuf';
import { wire } from '@hvc/client';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { capabilityRows } from '../output/capability-rows.js';
import { renderTable } from '../output/table.js';
import { words } from '../output/values.js';
import { TARGETS } from '../output/views.js';
import { action, type CommandRun } from './command-run.js';
import { intervalOption, watchOption } from './common-options.js';
import { objectFromFile, objectFromText } from './structured-input.js';
import { listOrWatch } from './watch-list.js';

/** A target's name, configuration and credentials as the flags give them (each absent when not given). */
async function settingsOf(
  run: CommandRun,
): Promise<{ displayName?: string; config?: JsonObject; credentials?: JsonObject }> {
  const { name, config, configFile, credentialsFile } = run.flags as Record<string, string | undefined>;
  const configObject =
    configFile !== undefined
      ? await objectFromFile(configFile, run.io.stdin, '--config-file')
      : config === undefined
        ? undefined
        : objectFromText(config, '--config');
  const credentials =
    credentialsFile === undefined
      ? undefined
      : await objectFromFile(credentialsFile, run.io.stdin, '--credentials-file');
  return {
    ...(name === undefined ? {} : { displayName: name }),
    ...(configObject === undefined ? {} : { config: configObject }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** `--name`, `--config`, `--config-file` and `--credentials-file`, for a new target or (`replace`) a change. */
function withSettings(command: Command, replace: boolean): Command {
  const verb = replace ? 'replace the' : 'the';
  return command
    .option('--name <text>', replace ? 'a new display name' : 'a display name')
    .option('--config <json>', `${verb} connector configuration, as JSON or YAML`)
    .option('--config-file <path>', `${verb} connector configuration from a JSON or YAML file (- for stdin)`)
    .option(
      '--credentials-file <path>',
      `${verb} secret credentials from a JSON or YAML file (- for stdin); stored encrypted`,
    )
    .addHelpText('after', CONFIG_HELP);
}

const CONFIG_HELP = `
The configuration is the connector's, without credentials. For Proxmox VE:
  {"endpoints": [{"url": "https://pve1.example:8006", "fingerprint": "AB:CD:…"}]}
Credentials are read from a file (or stdin with -), never from the command line; for Proxmox VE:
  {"type": "token", "tokenId": "hvc@pve!api", "secret": "…"}`;

/** `hvc targets`: the hypervisor endpoints and clusters of the organisations you belong to. */
export function targetsCommand(io: CliIo): Command {
  const targets = new Command('targets').description(
    'hypervisor endpoints and clusters (admins change them)',
  );

  targets
    .command('list')
    .alias('ls')
    .description('list the targets you can see (of --org only, when given)')
    .addOption(watchOption())
    .addOption(intervalOption())
    .action(
      action(io, (run) =>
        listOrWatch(run, async (printer) => {
          const organizationId = run.connection().organization ?? '';
          const { targets } = await run
            .client()
            .targets.listTargets({ organizationId }, { signal: run.io.signal });
          printer.list(TARGETS, targets);
        }),
      ),
    );

  targets
    .command('get')
    .description('show one target')
    .argument('<id>', 'the target id')
    .action(
      action(io, async (run, targetId) => {
        const { target } = await run.client().targets.getTarget({ targetId });
        if (target) run.printer.one(TARGETS, target);
      }),
    );

  targets
    .command('describe')
    .description("ask a target's hypervisor for its version, cluster, nodes and capabilities")
    .argument('<id>', 'the target id')
    .action(
      action(io, async (run, targetId) => {
        const { info } = await run.client().targets.describeTarget({ targetId }, { signal: run.io.signal });
        if (info === undefined) return;
        if (run.printer.format === 'json' || run.printer.format === 'yaml') {
          run.printer.data(toJson(wire.TargetInfoSchema, info));
          return;
        }
        const bold = (headers: string[]) => headers.map((h) => run.out.bold(h));
        run.io.stdout.write(
          renderTable(bold(['TARGET', 'KIND', 'VERSION', 'CLUSTER', 'NODES']), [
            [
              info.targetId,
              info.kind,
              info.version || '-',
              info.clusterName ?? '-',
              words(info.nodes.map((n) => n.name)),
            ],
          ]),
        );
        run.io.stdout.write('\n');
        run.io.stdout.write(
          renderTable(
            bold(['CAPABILITY', 'OFFERED', 'NOTE']),
            capabilityRows(info.capabilities ?? create(wire.CapabilitiesSchema), run.out),
          ),
        );
      }),
    );

  withSettings(targets.command('create'), false)
    .description('add a target to an organisation (admin)')
    .argument('<id>', 'a new id: lower-case letters, digits and -, at most 63')
    .requiredOption('--kind <kind>', 'the connector kind, e.g. proxmox or libvirt')
    .action(
      action(io, async (run, targetId) => {
        const { target } = await run.client().targets.createTarget({
          targetId,
          organizationId: run.connection().organization ?? '',
          kind: run.flags.kind as string,
          ...(await settingsOf(run)),
        });
        if (target) run.printer.one(TARGETS, target);
      }),
    );

  withSettings(targets.command('update'), true)
    .description("change a target's name, configuration or credentials (admin)")
    .argument('<id>', 'the target id')
    .action(
      action(io, async (run, targetId) => {
        const { target } = await run.client().targets.updateTarget({ targetId, ...(await settingsOf(run)) });
        if (target) run.printer.one(TARGETS, target);
      }),
    );

  targets
    .command('delete')
    .alias('rm')
    .description('remove a target (admin); the hypervisor itself is not touched')
    .argument('<id>', 'the target id')
    .action(
      action(io, async (run, targetId) => {
        await run.client().targets.deleteTarget({ targetId });
        if (run.printer.format === 'json' || run.printer.format === 'yaml')
          run.printer.data({ deleted: targetId });
        else run.io.stderr.write(`Deleted target ${targetId}.\n`);
      }),
    );

  targets
    .command('test')
    .description('connect to a target and describe it (admin); exits 11 when it does not answer')
    .argument('<id>', 'the target id')
    .action(
      action(io, async (run, targetId) => {
        const result = await run.client().targets.testTargetConnectivity({ targetId });
        if (run.printer.format === 'json' || run.printer.format === 'yaml') {
          run.printer.data({
            ok: result.ok,
            version: result.version,
            clusterName: result.clusterName,
            nodes: result.nodes,
            errorCode: result.errorCode,
            errorMessage: result.errorMessage,
          });
        } else if (result.ok) {
          const head = ['VERSION', 'CLUSTER', 'NODES'].map((h) => run.out.bold(h));
          run.io.stdout.write(
            renderTable(head, [[result.version || '-', result.clusterName || '-', words(result.nodes)]]),
          );
        }
        if (!result.ok) {
          throw new CliError(
            `${targetId} did not answer: ${result.errorCode}: ${result.errorMessage}`,
            EXIT.unavailable,
          );
        }
      }),
    );

  return targets;
}
