import { createHash } from 'node:crypto';
import type { PveGuestState } from './model.js';

/** The `digest` of a guest config: SHA-1 (40 hex) of the config and its revision, new on every write. */
export function configDigest(guest: PveGuestState): string {
  const keys = Object.keys(guest.config).sort();
  const text = keys.map((k) => `${k}: ${guest.config[k]}`).join('\n');
  return createHash('sha1').update(`${guest.vmid}\n${guest.revision}\n${text}`).digest('hex');
}
