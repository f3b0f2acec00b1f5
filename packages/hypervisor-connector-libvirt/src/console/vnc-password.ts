import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A random VNC password: 8 characters, all VNC's DES authentication uses (about 46 bits from a cryptographic
 * source). One-time passwords also expire, so their length is not what guards them.
 */
export function vncPassword(): string {
  let password = '';
  for (let i = 0; i < 8; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}
