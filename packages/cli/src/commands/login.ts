import { Code, ConnectError } from '@connectrpc/connect';
import { Command } from 'commander';
import { deviceLogin } from '../auth/device-login.js';
import { issuerClient } from '../auth/issuer-client.js';
import { revokeLogin } from '../auth/revoke.js';
import { fetchLoginInfo } from '../auth/server-info.js';
import type { StoredLogin } from '../auth/stored-login.js';
import { storedLoginOf } from '../auth/token-response.js';
import { webLogin } from '../auth/web-login.js';
import { CliError } from '../cli-error.js';
import { openClient } from '../client/open-client.js';
import { type HvcConfig, writeConfig } from '../config/config-file.js';
import { normalizeServer } from '../config/connection.js';
import { EXIT } from '../exit-codes.js';
import { type CliIo, readAll } from '../io.js';
import { action, type CommandRun } from './command-run.js';

/** The server to log in to, and the context to save it as: `--context`, a context of that server, or its host. */
function loginTarget(run: CommandRun): { server: string; name: string } {
  const config = run.config();
  const named = run.flags.context === undefined ? undefined : config.contexts[run.flags.context];
  const current = config.currentContext === undefined ? undefined : config.contexts[config.currentContext];
  const serverUrl = run.flags.server ?? named?.server ?? current?.server;
  if (serverUrl === undefined)
    throw new CliError(
      'which server? pass --server URL (or set HVC_SERVER)',
      EXIT.usage,
      'e.g. hvc login --server https://hvc.example.com',
    );
  const server = normalizeServer(serverUrl);
  const sameServer = Object.entries(config.contexts)
    .filter(([, c]) => normalizeServer(c.server) === server)
    .map(([name]) => name);
  const name =
    run.flags.context ??
    (config.currentContext !== undefined && sameServer.includes(config.currentContext)
      ? config.currentContext
      : (sameServer[0] ?? new URL(server).host));
  return { server, name };
}

/** Saves the context `name` for `server` (keeping its organisation unless `--org` changes it) and makes it current. */
function saveContext(run: CommandRun, name: string, server: string): void {
  const config: HvcConfig = run.config();
  const existing = config.contexts[name];
  const organization = run.flags.org ?? (existing?.server === server ? existing.organization : undefined);
  const protocol = run.flags.protocol ?? existing?.protocol;
  writeConfig(run.io.env, {
    currentContext: name,
    contexts: {
      ...config.contexts,
      [name]: {
        server,
        ...(organization === undefined ? {} : { organization }),
        ...(protocol === undefined ? {} : { protocol }),
      },
    },
  });
}

async function interactiveLogin(run: CommandRun, server: string): Promise<StoredLogin> {
  const info = await fetchLoginInfo(server, run.io.signal);
  if (info === undefined) {
    throw new CliError(
      `${server} offers no interactive login`,
      EXIT.unauthenticated,
      'log in with a token instead: hvc login --with-token < token.txt (or set HVC_TOKEN)',
    );
  }
  run.debug(`issuer ${info.issuer}, client ${info.clientId}, audience ${info.audience}`);
  const config = await issuerClient(info.issuer, info.clientId);
  const prompt = { stderr: run.io.stderr, colors: run.err, signal: run.io.signal };
  const tokens = run.flags.web
    ? await webLogin(config, info, prompt, run.flags.browser !== false)
    : await deviceLogin(config, info, prompt);
  return storedLoginOf(server, info, tokens);
}

/**
 * Calls the server with the new token (ListTargets, open to every member): a refused token is not saved; a token
 * the server accepts for a user who belongs to no organisation yet is saved, with a note saying who to invite.
 */
async function checkAccess(run: CommandRun, server: string, login: StoredLogin): Promise<string> {
  const client = openClient(
    { server, protocol: run.flags.protocol ?? 'grpc' },
    async () => login.accessToken,
    run.flags.debug ? run.debug : undefined,
  );
  try {
    const { targets } = await client.targets.listTargets({}, { signal: run.io.signal });
    return `${targets.length} target${targets.length === 1 ? '' : 's'} visible.\n`;
  } catch (error) {
    const code = ConnectError.from(error).code;
    if (code === Code.PermissionDenied && login.subject !== undefined) {
      return run.err.yellow(
        `You belong to no organisation on ${server} yet: an admin can add you with\n` +
          `  hvc members invite --issuer ${login.issuer} --subject ${login.subject} --role viewer\n`,
      );
    }
    if (code === Code.Unauthenticated)
      throw new CliError(`${server} refused the token`, EXIT.unauthenticated);
    throw error;
  }
}

/** `hvc login`: the device flow (or `--web`, or `--with-token`), then the login saved and the context made current. */
export function loginCommand(io: CliIo): Command {
  return new Command('login')
    .description('log in to a server at its OIDC issuer (device code), and make it the current context')
    .option(
      '--web',
      'log in in a browser on this machine instead (authorization code + PKCE, loopback redirect)',
    )
    .option('--no-browser', 'with --web: print the URL but do not open a browser')
    .option('--with-token', 'read an access or service token from stdin instead of logging in')
    .addHelpText(
      'after',
      `
The server tells where to log in (GET /.well-known/hvc). The device login prints a code and a URL: open it on
any device, enter the code and approve. Tokens go to the system keychain, or without one to a file readable by
you alone (credentials.json, mode 0600, in $XDG_CONFIG_HOME/hvc); they are refreshed when they expire and are
never printed. --server, --org and --context name the context to save (default: the server's host).

Examples:
  hvc login --server https://hvc.example.com --org acme
  hvc login --web
  hvc login --server http://127.0.0.1:8080 --with-token < token.txt`,
    )
    .action(
      action(io, async (run) => {
        const { server, name } = loginTarget(run);
        let login: StoredLogin;
        if (run.flags.withToken) {
          const token = (await readAll(run.io.stdin)).trim();
          if (token === '') throw new CliError('--with-token: stdin was empty', EXIT.usage);
          login = { server, accessToken: token };
        } else {
          login = await interactiveLogin(run, server);
        }
        const access = await checkAccess(run, server, login);
        const where = await run.credentials().save(login);
        saveContext(run, name, server);
        const c = run.err;
        const who = login.name ?? login.subject;
        run.io.stderr.write(
          `${c.green('✓')} Logged in to ${server}${who === undefined ? '' : ` as ${c.bold(who)}`}.\n` +
            (where.kind === 'keychain'
              ? 'The token is in the system keychain.\n'
              : `No keychain available: the token is in ${where.path} (mode 0600).\n`) +
            `Context "${name}" is now current. ${access}` +
            (run.io.env.HVC_TOKEN
              ? c.yellow('HVC_TOKEN is set: commands use it rather than this login.\n')
              : ''),
        );
      }),
    );
}

/** `hvc logout`: revokes the server's tokens at the issuer where it can, and forgets them. */
export function logoutCommand(io: CliIo): Command {
  return new Command('logout')
    .description("log out of the current context's server (or --server): revoke the tokens and forget them")
    .action(
      action(io, async (run) => {
        const { server } = run.connection();
        const login = await run.credentials().load(server);
        if (login === undefined) {
          run.io.stderr.write(`Not logged in to ${server}.\n`);
          return;
        }
        const revocation = await revokeLogin(login);
        await run.credentials().remove(server);
        const outcome =
          revocation === 'revoked'
            ? 'the issuer revoked its tokens'
            : revocation === 'unsupported'
              ? 'the issuer cannot revoke tokens: they stay valid until they expire'
              : revocation === 'not-applicable'
                ? 'the token was given with --with-token: revoke it where it was issued'
                : `revoking failed (${revocation.failed}): the tokens stay valid until they expire`;
        run.io.stderr.write(`${run.err.green('✓')} Logged out of ${server}; ${outcome}.\n`);
      }),
    );
}
