import { fail } from '../pve-error.js';

const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ssh-ed448',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/**
 * Whether an `authorized_keys` line holds a public key `ssh-keygen -l` would read: optional options, then a known key
 * type and a base64 blob whose first field (a length-prefixed string) names that same type. A structural stand-in
 * for running `ssh-keygen`; it does not check the key material's mathematics.
 */
function isPublicKeyLine(line: string): boolean {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => KEY_TYPES.has(w));
  const type = words[at];
  const blob = words[at + 1];
  if (at < 0 || type === undefined || blob === undefined) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) return false;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 4) return false;
  const len = bytes.readUInt32BE(0);
  return (
    len === type.length && bytes.subarray(4, 4 + len).toString('latin1') === type && bytes.length > 4 + len
  );
}

/**
 * pve-common `src/PVE/Tools.pm` `validate_ssh_public_keys`: every non-blank line must be a key (there
 * `ssh-keygen -l -f` per line; here {@link isPublicKeyLine}), else 500 `SSH public key validation error`.
 */
export function validateSshPublicKeys(raw: string): void {
  for (const line of raw.split('\n')) {
    if (/^\s*$/.test(line)) continue;
    if (!isPublicKeyLine(line)) throw fail('SSH public key validation error');
  }
}

/** `URI::Escape::uri_unescape`: `%XX` to bytes, read as UTF-8; `+` stays `+`. */
export function uriUnescape(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
