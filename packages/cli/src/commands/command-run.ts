import type { HvcClient } from '@hvc/client';
import type { Command } from 'commander';
import { type CredentialStore, createCredentialStore } from '../auth/credential-store.js';
import { systemKeychain } from '../auth/keychain.js';
import { tokenSource } from '../auth/token-source.js';
import { openClient } from '../client/open-client.js';
import { type HvcConfig, readConfig } from '../config/config-file.js';
import { type Connection, type ConnectionFlags, resolveConnection } from '../config/connection.js';
import type { CliIo } from '../io.js';
import { type Colors, colorsFor } from '../output/colors.js';
import type { OutputFormat } from '../output/output-format.js';
import { createPrinter, type Printer } from '../output/printer.js';

/** The root options every command sees (`hvc --help` lists them). */
export interface GlobalFlags extends ConnectionFlags {
  readonly output: OutputFormat;
  readonly debug?: boolean;
}

/** What a command's action works with: its flags, the streams, and the server it calls, made on first use. */
export interface CommandRun {
  readonly io: CliIo;
  /** The command's own flags and the root's. */
  readonly flags: GlobalFlags & Readonly<Record<string, unknown>>;
  /** Colours for stdout and for stderr, each on only when that stream is a terminal (and NO_COLOR is unset). */
  readonly out: Colors;
  readonly err: Colors;
  readonly printer: Printer;
  config(): HvcConfig;
  connection(): Connection;
  credentials(): CredentialStore;
  client(): HvcClient;
  /** A `--debug` line on stderr; nothing without `--debug`. Never give it a secret. */
  debug(line: string): void;
}

function commandRun(io: CliIo, command: Command): CommandRun {
  const flags = command.optsWithGlobals<GlobalFlags & Record<string, unknown>>();
  const out = colorsFor(io.stdout, io.env);
  const err = colorsFor(io.stderr, io.env);
  const debug = (line: string) => {
    if (flags.debug) io.stderr.write(err.dim(`debug: ${line}\n`));
  };
  let config: HvcConfig | undefined;
  let connection: Connection | undefined;
  let credentials: CredentialStore | undefined;
  let client: HvcClient | undefined;
  const run: CommandRun = {
    io,
    flags,
    out,
    err,
    printer: createPrinter(flags.output, io.stdout, io.stderr, out),
    config: () => {
      config ??= readConfig(io.env);
      return config;
    },
    connection: () => {
      connection ??= resolveConnection(flags, run.config());
      return connection;
    },
    credentials: () => {
      credentials ??= createCredentialStore(
        io.env,
        io.env.HVC_KEYCHAIN === 'off' ? undefined : systemKeychain(io.env),
      );
      return credentials;
    },
    client: () => {
      if (client === undefined) {
        const { server } = run.connection();
        debug(`server ${server} (${run.connection().protocol})`);
        const token = tokenSource(server, io.env, run.credentials(), (event) =>
          debug(
            event === 'environment'
              ? 'token from HVC_TOKEN'
              : event === 'refreshed'
                ? 'access token refreshed and saved'
                : 'stored access token',
          ),
        );
        client = openClient(run.connection(), token, flags.debug ? debug : undefined);
      }
      return client;
    },
    debug,
  };
  return run;
}

/**
 * A commander action from `body`: the positional arguments as strings, and a {@link CommandRun} for the command
 * that matched (commander passes the arguments, then the options, then the command).
 */
export function action(
  io: CliIo,
  body: (run: CommandRun, ...args: string[]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return (...args) => {
    const command = args.at(-1) as Command;
    return body(commandRun(io, command), ...(args.slice(0, -2) as string[]));
  };
}
