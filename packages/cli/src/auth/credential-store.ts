import { credentialsFilePath, readCredentialsFile, writeCredentialsFile } from './credentials-file.js';
import type { Keychain } from './keychain.js';
import { isStoredLogin, type StoredLogin } from './stored-login.js';

/** Where a login was saved. */
export type StoreLocation = { readonly kind: 'keychain' } | { readonly kind: 'file'; readonly path: string };

/** Logins by server: in the OS keychain where one works, otherwise in a 0600 file. */
export interface CredentialStore {
  load(server: string): Promise<StoredLogin | undefined>;
  save(login: StoredLogin): Promise<StoreLocation>;
  remove(server: string): Promise<void>;
}

/**
 * The keychain first: a login is saved there when it accepts it, and then removed from the file; when it fails
 * (no keychain service runs, as on a headless Linux machine, or `keychain` is undefined) the login goes to
 * `credentials.json` (mode 0600) instead. Loading looks in both, keychain first.
 */
export function createCredentialStore(
  env: NodeJS.ProcessEnv,
  keychain: Keychain | undefined,
): CredentialStore {
  const fromFile = (server: string) => readCredentialsFile(env)[server];
  const dropFromFile = (server: string) => {
    const logins = readCredentialsFile(env);
    if (!(server in logins)) return;
    delete logins[server];
    writeCredentialsFile(env, logins);
  };
  return {
    async load(server) {
      const secret = await keychain?.get(server).catch(() => undefined);
      if (secret !== undefined) {
        try {
          const login: unknown = JSON.parse(secret);
          if (isStoredLogin(login)) return login;
        } catch {
          // not ours, or damaged: fall through to the file
        }
      }
      return fromFile(server);
    },
    async save(login) {
      if (keychain !== undefined) {
        const stored = await keychain.set(login.server, JSON.stringify(login)).then(
          () => true,
          () => false,
        );
        if (stored) {
          dropFromFile(login.server);
          return { kind: 'keychain' };
        }
      }
      writeCredentialsFile(env, { ...readCredentialsFile(env), [login.server]: login });
      return { kind: 'file', path: credentialsFilePath(env) };
    },
    async remove(server) {
      await keychain?.delete(server).catch(() => undefined);
      dropFromFile(server);
    },
  };
}
