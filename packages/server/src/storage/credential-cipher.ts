import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** `v2.<key id>.<iv>.<tag>.<ciphertext>`; `v1.<iv>.<tag>.<ciphertext>` (no key id) is still read. */
const VERSION = 'v2';

/** Encrypts and decrypts secrets at rest with AES-256-GCM. */
export interface CredentialCipher {
  /**
   * The key's id, written into every value it encrypts: 8 hex digits of an HMAC of a fixed text under the key, so
   * it names the key without revealing anything about it.
   */
  readonly keyId: string;
  /** Ciphertext of `plaintext`, bound to `context` (e.g. the target id) so it cannot be moved to another row. */
  encrypt(plaintext: string, context: string): string;
  /** The plaintext; throws when the ciphertext, the key or the context do not match. */
  decrypt(ciphertext: string, context: string): string;
  /**
   * Hex HMAC-SHA256 of `data` under a key derived from this one for `purpose` (HKDF-SHA256, `purpose` as info):
   * a fingerprint of a secret-bearing text that cannot be guessed offline without the key.
   */
  mac(purpose: string, data: string): string;
}

/** What a usable key is, for errors that say what to do. */
const KEY_REQUIREMENT =
  'the encryption key must be 32 random bytes, as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)';

/**
 * Reads a 256-bit key given as 64 hex digits or as base64 / base64url of 32 bytes, refusing weak ones. Throws with
 * a message that names the problem, never the key.
 */
export function parseEncryptionKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64url');
  if (key.length !== 32) throw new Error(`${KEY_REQUIREMENT}; this one is ${key.length} bytes`);
  // 32 random bytes have about 30 distinct values, and all of them printable text once in 10^13: a key that fails
  // either test was typed or derived from a pass phrase, not drawn at random.
  if (new Set(key).size < 16) throw new Error(`${KEY_REQUIREMENT}; this one repeats too few byte values`);
  if (key.every((byte) => byte >= 0x20 && byte < 0x7f))
    throw new Error(`${KEY_REQUIREMENT}; this one is printable text, not random bytes`);
  return key;
}

/** Why `value` is not a usable encryption key, or undefined when it is. The answer never quotes the key. */
export function encryptionKeyProblem(value: string): string | undefined {
  try {
    parseEncryptionKey(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The id of the key a stored value was encrypted with, or undefined for a value written before key ids. */
export function keyIdOf(ciphertext: string): string | undefined {
  const [version, keyId] = ciphertext.split('.', 2);
  return version === VERSION ? keyId : undefined;
}

/** A {@link CredentialCipher} with `key` (32 bytes). Each value gets its own random 96-bit nonce. */
export function createCredentialCipher(key: Buffer): CredentialCipher {
  if (key.length !== 32) throw new Error('the encryption key must be 32 bytes');
  const keyId = createHmac('sha256', key).update('hvc credential key id').digest('hex').slice(0, 8);
  const macKeys = new Map<string, Buffer>();
  return {
    keyId,
    mac(purpose, data) {
      let macKey = macKeys.get(purpose);
      if (!macKey) {
        macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32));
        macKeys.set(purpose, macKey);
      }
      return createHmac('sha256', macKey).update(data, 'utf8').digest('hex');
    },
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        VERSION,
        keyId,
        iv.toString('base64url'),
        tag.toString('base64url'),
        body.toString('base64url'),
      ].join('.');
    },
    decrypt(ciphertext, context) {
      const parts = ciphertext.split('.');
      const version = parts[0];
      if (version === VERSION && parts[1] !== keyId) {
        throw new Error(`the credentials were encrypted with key ${parts[1]}, not with this key (${keyId})`);
      }
      const [iv, tag, body] = version === VERSION ? parts.slice(2) : version === 'v1' ? parts.slice(1) : [];
      if (iv === undefined || tag === undefined || body === undefined) {
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
