import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { type HvcConfig, writeConfig } from '../config/config-file.js';
import { normalizeServer } from '../config/connection.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { renderTable } from '../output/table.js';
import { action, type CommandRun } from './command-run.js';

function contextOf(run: CommandRun, name: string) {
  const context = run.config().contexts[name];
  if (context === undefined)
    throw new CliError(`no context named "${name}"`, EXIT.usage, 'list them with: hvc context list');
  return context;
}

/** `hvc context`: named servers and organisations, like kubectl's contexts; one is current. */
export function contextCommand(io: CliIo): Command {
  const context = new Command('context').description(
    'named server + organisation pairs; `hvc login` makes one',
  );

  context
    .command('list')
    .alias('ls')
    .description('list the contexts; * marks the current one')
    .action(
      action(io, async (run) => {
        const config = run.config();
        const rows = await Promise.all(
          Object.entries(config.contexts).map(async ([name, c]) => {
            const login = await run.credentials().load(normalizeServer(c.server));
            return {
              name,
              ...c,
              current: name === config.currentContext,
              user: login?.name ?? login?.subject,
            };
          }),
        );
        if (run.printer.format === 'json' || run.printer.format === 'yaml') {
          run.printer.data(
            rows.map(({ user, ...row }) => ({ ...row, ...(user === undefined ? {} : { user }) })),
          );
          return;
        }
        if (rows.length === 0) {
          run.io.stderr.write('No contexts: `hvc login --server URL` makes one.\n');
          return;
        }
        run.io.stdout.write(
          renderTable(
            ['CURRENT', 'NAME', 'SERVER', 'ORGANIZATION', 'USER'].map((h) => run.out.bold(h)),
            rows.map((r) => [r.current ? '*' : '', r.name, r.server, r.organization ?? '-', r.user ?? '-']),
          ),
        );
      }),
    );

  context
    .command('current')
    .description("print the current context's name")
    .action(
      action(io, async (run) => {
        const name = run.config().currentContext;
        if (name === undefined)
          throw new CliError('no current context', EXIT.usage, 'pick one with: hvc context use NAME');
        run.io.stdout.write(`${name}\n`);
      }),
    );

  context
    .command('use')
    .description('make a context the current one')
    .argument('<name>', 'the context')
    .action(
      action(io, async (run, name) => {
        contextOf(run, name);
        writeConfig(run.io.env, { ...run.config(), currentContext: name });
        run.io.stderr.write(`Switched to context "${name}".\n`);
      }),
    );

  context
    .command('set')
    .description(
      'create a context, or change its server (--server), organisation (--org) or protocol (--protocol)',
    )
    .argument('<name>', 'the context')
    .action(
      action(io, async (run, name) => {
        const config: HvcConfig = run.config();
        const existing = config.contexts[name];
        const server = run.flags.server ?? existing?.server;
        if (server === undefined) throw new CliError(`a new context needs --server URL`, EXIT.usage);
        const organization = run.flags.org ?? existing?.organization;
        const protocol = run.flags.protocol ?? existing?.protocol;
        writeConfig(run.io.env, {
          ...config,
          contexts: {
            ...config.contexts,
            [name]: {
              server: normalizeServer(server),
              ...(organization === undefined ? {} : { organization }),
              ...(protocol === undefined ? {} : { protocol }),
            },
          },
        });
        run.io.stderr.write(`Context "${name}" ${existing === undefined ? 'created' : 'changed'}.\n`);
      }),
    );

  context
    .command('delete')
    .alias('rm')
    .description('delete a context (its server login stays; `hvc logout` ends that)')
    .argument('<name>', 'the context')
    .action(
      action(io, async (run, name) => {
        contextOf(run, name);
        const { [name]: _, ...contexts } = run.config().contexts;
        const { currentContext } = run.config();
        writeConfig(run.io.env, {
          contexts,
          ...(currentContext === undefined || currentContext === name ? {} : { currentContext }),
        });
        run.io.stderr.write(`Context "${name}" deleted.\n`);
      }),
    );

  return context;
}
