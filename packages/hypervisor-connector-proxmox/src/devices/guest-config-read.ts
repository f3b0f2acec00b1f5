import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPath } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { type PveGuestConfig, PveGuestConfigSchema } from '../schemas/guests.js';

/** A guest's `GET .../config` on `node`: every key as PVE sent it, plus `digest`. */
export function readGuestConfig(
  pve: ProxmoxContext,
  ref: PveGuestRef,
  node: string,
  signal: AbortSignal | undefined,
): Promise<PveGuestConfig> {
  return pve.client.get(`${guestPath(ref, node)}/config`, undefined, PveGuestConfigSchema, {
    node,
    ...(signal === undefined ? {} : { signal }),
  });
}
