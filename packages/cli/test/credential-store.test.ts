import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialStore } from '../src/auth/credential-store.js';
import { credentialsFilePath } from '../src/auth/credentials-file.js';
import { type Keychain, systemKeychain } from '../src/auth/keychain.js';
import type { StoredLogin } from '../src/auth/stored-login.js';

const LOGIN: StoredLogin = {
  server: 'https://hvc.example',
  accessToken: 'at-1',
  refreshToken: 'rt-1',
  expiresAt: 1,
};

/** A keychain in memory, or one that refuses every call (as when no keychain service runs). */
function memoryKeychain(): Keychain & { secrets: Map<string, string> } {
  const secrets = new Map<string, string>();
  return {
    secrets,
    get: async (account) => secrets.get(account),
    set: async (account, secret) => void secrets.set(account, secret),
    delete: async (account) => void secrets.delete(account),
  };
}
const refusing: Keychain = {
  get: () => Promise.reject(new Error('no keychain')),
  set: () => Promise.reject(new Error('no keychain')),
  delete: () => Promise.reject(new Error('no keychain')),
};

let dir: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hvc-credentials-'));
  env = { HVC_CONFIG_DIR: join(dir, 'hvc') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the credential store', () => {
  it('keeps a login in the keychain when it takes it, and writes no file', async () => {
    const keychain = memoryKeychain();
    const store = createCredentialStore(env, keychain);
    expect(await store.save(LOGIN)).toEqual({ kind: 'keychain' });
    expect(JSON.parse(keychain.secrets.get(LOGIN.server)!)).toEqual(LOGIN);
    expect(existsSync(credentialsFilePath(env))).toBe(false);
    expect(await store.load(LOGIN.server)).toEqual(LOGIN);
  });

  it('falls back to a file only its owner can read when the keychain refuses, and reads it back', async () => {
    const store = createCredentialStore(env, refusing);
    expect(await store.save(LOGIN)).toEqual({ kind: 'file', path: credentialsFilePath(env) });
    expect(statSync(credentialsFilePath(env)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'hvc')).mode & 0o777).toBe(0o700);
    expect(await store.load(LOGIN.server)).toEqual(LOGIN);
    await store.remove(LOGIN.server);
    expect(await store.load(LOGIN.server)).toBeUndefined();
  });

  it('moves a login from the file to the keychain once one works, and removes it from both', async () => {
    await createCredentialStore(env, undefined).save(LOGIN);
    const keychain = memoryKeychain();
    const store = createCredentialStore(env, keychain);
    expect(await store.load(LOGIN.server)).toEqual(LOGIN); // found in the file
    const newer = { ...LOGIN, accessToken: 'at-2' };
    await store.save(newer);
    expect(await createCredentialStore(env, undefined).load(LOGIN.server)).toBeUndefined(); // gone from the file
    expect(await store.load(LOGIN.server)).toEqual(newer);
    await store.remove(LOGIN.server);
    expect(keychain.secrets.size).toBe(0);
  });

  it('ignores what is not a login in the keychain or the file', async () => {
    const keychain = memoryKeychain();
    keychain.secrets.set(LOGIN.server, 'not json');
    expect(await createCredentialStore(env, keychain).load(LOGIN.server)).toBeUndefined();
  });

  it('degrades to the file with the real keychain library when no Secret Service answers', async () => {
    const keychain = systemKeychain(
      { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}` },
      'linux',
    );
    expect(keychain).toBeDefined();
    await expect(keychain!.set('probe', 'x')).rejects.toThrow();
    const store = createCredentialStore(env, keychain);
    expect(await store.save(LOGIN)).toMatchObject({ kind: 'file' });
    expect(await store.load(LOGIN.server)).toEqual(LOGIN);
  });

  it('does not even try the keychain on Linux without a D-Bus session', () => {
    expect(systemKeychain({}, 'linux')).toBeUndefined();
    expect(systemKeychain({}, 'darwin')).toBeDefined();
  });
});
