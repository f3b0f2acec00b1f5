import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Encrypts and decrypts secrets at rest with AES-256-GCM. */
export interface CredentialCipher {
  /** Ciphertext of `plaintext`, bound to `context` (e.g. the target id) so it cannot be moved to another row. */
  encrypt(plaintext: string, context: string): string;
  /** The plaintext; throws when the ciphertext, the key or the context do not match. */
  decrypt(ciphertext: string, context: string): string;
}

/**
 * Reads a 256-bit key given as 64 hex digits or as base64 / base64url of 32 bytes. Throws with a message that
 * names the problem, never the key.
 */
export function parseEncryptionKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64url');
  if (key.length !== 32) throw new Error('the encryption key must be 32 bytes (64 hex digits or base64)');
  return key;
}

/** A {@link CredentialCipher} with `key` (32 bytes). Each value gets its own random 96-bit nonce. */
export function createCredentialCipher(key: Buffer): CredentialCipher {
  if (key.length !== 32) throw new Error('the encryption key must be 32 bytes');
  return {
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
        '.',
      );
    },
    decrypt(ciphertext, context) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
        throw new Error('not a credential ciphertext');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new Error('the credentials cannot be decrypted with this key');
      }
    },
  };
}
