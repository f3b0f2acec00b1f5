import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { configDir, ensureConfigDir } from './config-dir.js';
import { writePrivateFile } from './private-file.js';

/** The wire protocols `hvc` speaks to a server. */
export const PROTOCOLS = ['grpc', 'connect', 'grpc-web'] as const;
/** One of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[number];

/** A named server and organisation, like a kubectl context. */
export interface Context {
  /** The server's base URL. */
  readonly server: string;
  /** The organisation commands act in, unless `--org` says otherwise. */
  readonly organization?: string;
  /** How to talk to the server (default `grpc`). */
  readonly protocol?: Protocol;
}

/** `config.yaml`: the contexts and which one is current. No secret is ever written here. */
export interface HvcConfig {
  readonly currentContext?: string;
  readonly contexts: Readonly<Record<string, Context>>;
}

const FILE = 'config.yaml';

/** The configuration file's path. */
function configFilePath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), FILE);
}

/** Reads `config.yaml`; an absent file is an empty configuration. */
export function readConfig(env: NodeJS.ProcessEnv): HvcConfig {
  const path = configFilePath(env);
  if (!existsSync(path)) return { contexts: {} };
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  return validConfig(value, path);
}

/** Writes `config.yaml` (mode 0600, in a 0700 directory). */
export function writeConfig(env: NodeJS.ProcessEnv, config: HvcConfig): void {
  ensureConfigDir(env);
  writePrivateFile(configFilePath(env), stringify(config));
}

function validConfig(value: unknown, path: string): HvcConfig {
  const bad = (what: string) => new CliError(`${path}: ${what}`, EXIT.usage);
  if (value === null || value === undefined) return { contexts: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw bad('not a mapping');
  const { currentContext, contexts = {} } = value as Record<string, unknown>;
  if (currentContext !== undefined && typeof currentContext !== 'string')
    throw bad('currentContext: not a string');
  if (typeof contexts !== 'object' || contexts === null || Array.isArray(contexts))
    throw bad('contexts: not a mapping');
  const checked: Record<string, Context> = {};
  for (const [name, context] of Object.entries(contexts)) {
    const c = context as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null || typeof c.server !== 'string')
      throw bad(`contexts.${name}.server: missing`);
    if (c.organization !== undefined && typeof c.organization !== 'string')
      throw bad(`contexts.${name}.organization: not a string`);
    if (c.protocol !== undefined && !PROTOCOLS.includes(c.protocol as Protocol))
      throw bad(`contexts.${name}.protocol: one of ${PROTOCOLS.join(', ')}`);
    checked[name] = c as unknown as Context;
  }
  return { ...(currentContext === undefined ? {} : { currentContext }), contexts: checked };
}
