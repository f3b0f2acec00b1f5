import { openStore } from '../../storage/configured-database.js';
import { createCredentialCipher, parseEncryptionKey } from '../../storage/credential-cipher.js';
import { rotateEncryptionKey } from '../../storage/rotate-encryption-key.js';
import { ConfigError, loadServerConfig } from '../server-config.js';

/** The variable that holds the key `rotate-key` moves to (never a command-line argument: those are world-readable). */
export const NEW_KEY_VARIABLE = 'HVC_NEW_ENCRYPTION_KEY';

/**
 * `hvc-server rotate-key`: re-encrypts every stored credential from the configured key (`HVC_ENCRYPTION_KEY`) to
 * the one in `HVC_NEW_ENCRYPTION_KEY`, in one transaction, and says how many it changed. Servers still running
 * with the old key report not ready until they are restarted with the new one.
 */
export async function runRotateKey(env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<void> {
  const config = loadServerConfig(env);
  if (!config.encryptionKey) throw new ConfigError('HVC_ENCRYPTION_KEY (the current key) is required');
  const next = env[NEW_KEY_VARIABLE];
  if (!next) throw new ConfigError(`${NEW_KEY_VARIABLE} (the key to rotate to) is required`);
  let nextKey: Buffer;
  try {
    nextKey = parseEncryptionKey(next);
  } catch (error) {
    throw new ConfigError(`${NEW_KEY_VARIABLE}: ${(error as Error).message}`);
  }
  const from = createCredentialCipher(parseEncryptionKey(config.encryptionKey));
  const to = createCredentialCipher(nextKey);
  const store = await openStore(config.database, from);
  try {
    const { rotated, alreadyRotated } = await rotateEncryptionKey(store.db, from, to);
    out.write(
      `re-encrypted ${rotated} target credential(s) from key ${from.keyId} to key ${to.keyId}` +
        `${alreadyRotated > 0 ? ` (${alreadyRotated} already under it)` : ''}; restart every server with the new key\n`,
    );
  } finally {
    await store.close();
  }
}
