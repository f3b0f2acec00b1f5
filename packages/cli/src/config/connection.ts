import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import type { HvcConfig, Protocol } from './config-file.js';

/** The flags (or their environment variables) that choose a server and organisation. */
export interface ConnectionFlags {
  /** `--server` / `HVC_SERVER`. */
  readonly server?: string;
  /** `--org` / `HVC_ORG`. */
  readonly org?: string;
  /** `--context` / `HVC_CONTEXT`. */
  readonly context?: string;
  /** `--protocol`. */
  readonly protocol?: Protocol;
}

/** Where a command goes: the server, the organisation and the protocol, and the context they came from. */
export interface Connection {
  /** The server's base URL without a trailing slash; also the key of its stored login. */
  readonly server: string;
  readonly organization?: string;
  readonly protocol: Protocol;
  readonly contextName?: string;
}

/** A server URL as `hvc` keys it: `http(s)://host[:port][/path]` without a trailing slash. */
export function normalizeServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`not a URL: ${url}`, EXIT.usage, 'a server URL looks like https://hvc.example.com');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CliError(`not an http(s) URL: ${url}`, EXIT.usage);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/**
 * The connection for a command: `--server` (or `HVC_SERVER`) over the context's server, `--org` (or `HVC_ORG`)
 * over the context's organisation; the context is `--context` (or `HVC_CONTEXT`), else the current one. A context's
 * organisation and protocol apply only to its own server.
 */
export function resolveConnection(flags: ConnectionFlags, config: HvcConfig): Connection {
  const contextName = flags.context ?? config.currentContext;
  const context = contextName === undefined ? undefined : config.contexts[contextName];
  if (flags.context !== undefined && context === undefined)
    throw new CliError(`no context named "${flags.context}"`, EXIT.usage, 'list them with: hvc context list');
  const serverUrl = flags.server ?? context?.server;
  if (serverUrl === undefined) {
    throw new CliError(
      'no server: this command needs to know which hvc-server to call',
      EXIT.usage,
      'run `hvc login --server URL`, or pass --server URL (or set HVC_SERVER)',
    );
  }
  const server = normalizeServer(serverUrl);
  const own = context !== undefined && normalizeServer(context.server) === server ? context : undefined;
  const organization = flags.org ?? own?.organization;
  return {
    server,
    protocol: flags.protocol ?? own?.protocol ?? 'grpc',
    ...(organization === undefined ? {} : { organization }),
    ...(own === undefined || contextName === undefined ? {} : { contextName }),
  };
}
