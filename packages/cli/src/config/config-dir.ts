import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `hvc` keeps its configuration and, without a keychain, its tokens: `$HVC_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/hvc`, else `~/.config/hvc` (the XDG base directory default).
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.HVC_CONFIG_DIR) return env.HVC_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'hvc');
}

/** Creates the configuration directory, readable by its owner only. */
export function ensureConfigDir(env: NodeJS.ProcessEnv): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
