import { z } from 'zod';

/** The OpenSSH public key types a guest may be given. DSA (`ssh-dss`) is refused: OpenSSH disabled it. */
export const SSH_PUBLIC_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

/** One of {@link SSH_PUBLIC_KEY_TYPES}. */
export type SshPublicKeyType = (typeof SSH_PUBLIC_KEY_TYPES)[number];

const KEY_TYPES: ReadonlySet<string> = new Set(SSH_PUBLIC_KEY_TYPES);

/**
 * One OpenSSH public key line: `<type> <base64 blob> [comment]`, no options, no control character (line breaks
 * included). The type must be one of
 * {@link SSH_PUBLIC_KEY_TYPES}, and the blob must be base64 that starts with the same key type (what `ssh-keygen -l`
 * checks first). Private keys, DSA keys and `authorized_keys` options are refused. No value appears in the errors.
 */
export const SshPublicKeySchema = z
  .string()
  .max(16_384, { message: 'an SSH public key line has at most 16384 characters', abort: true })
  .regex(/^[a-z0-9@.-]+ [A-Za-z0-9+/]+={0,3}( \P{Cc}*)?$/u, {
    message: 'not an OpenSSH public key line',
    abort: true,
  })
  .refine((line) => KEY_TYPES.has(line.slice(0, line.indexOf(' '))), {
    message: `not a supported key type (one of ${SSH_PUBLIC_KEY_TYPES.join(', ')})`,
    abort: true,
  })
  .refine(blobMatchesType, 'the key blob does not match its key type');

/**
 * Whether the base64 blob of a key line begins with its own type: an SSH wire string, a 4-byte big-endian length
 * and that many bytes. Uses `atob`, so the spec package needs no Node API.
 */
function blobMatchesType(line: string): boolean {
  const [type = '', blob = ''] = line.split(' ');
  let bytes: string;
  try {
    bytes = atob(blob);
  } catch {
    return false;
  }
  if (bytes.length < 4 + type.length) return false;
  const length =
    ((bytes.charCodeAt(0) << 24) |
      (bytes.charCodeAt(1) << 16) |
      (bytes.charCodeAt(2) << 8) |
      bytes.charCodeAt(3)) >>>
    0;
  // A type string alone is no key: the key material must follow it.
  return length === type.length && bytes.slice(4, 4 + length) === type && bytes.length > 4 + length;
}
