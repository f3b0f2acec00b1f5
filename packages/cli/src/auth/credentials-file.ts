import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir, ensureConfigDir } from '../config/config-dir.js';
import { writePrivateFile } from '../config/private-file.js';
import { isStoredLogin, type StoredLogin } from './stored-login.js';

/** `credentials.json` in the configuration directory, mode 0600: the logins when no keychain is available. */
export function credentialsFilePath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'credentials.json');
}

/** Every login in the file, by server. A file that cannot be parsed counts as empty (it is rewritten on save). */
export function readCredentialsFile(env: NodeJS.ProcessEnv): Record<string, StoredLogin> {
  const path = credentialsFilePath(env);
  if (!existsSync(path)) return {};
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, StoredLogin] => isStoredLogin(entry[1])),
    );
  } catch {
    return {};
  }
}

/** Replaces the file's logins (mode 0600, written atomically). */
export function writeCredentialsFile(env: NodeJS.ProcessEnv, logins: Record<string, StoredLogin>): void {
  ensureConfigDir(env);
  writePrivateFile(credentialsFilePath(env), `${JSON.stringify(logins, null, 2)}\n`);
}
