import { isHypervisorError } from '@hvc/hypervisor-connector';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { pvePath } from '../transport/form-encoding.js';
import type { GuestCheck } from './guest-preconditions.js';

/** A guest's API path on `node` (`/nodes/pve1/qemu/100`). */
export function guestPath(ref: PveGuestRef, node: string): string {
  return pvePath('nodes', node, ref.type, ref.vmid);
}

/** What the precondition checks of one call need to reach the guest on `node`. */
export function guestCheck(
  pve: ProxmoxContext,
  ref: PveGuestRef,
  node: string,
  signal: AbortSignal | undefined,
): GuestCheck {
  return {
    client: pve.client,
    batches: pve.batches,
    publicUpid: (upid) => pve.tasks.publicUpid(upid),
    ref,
    node,
    ...(signal === undefined ? {} : { signal }),
    ...pve.origin,
  };
}

/**
 * Runs `action` against the guest's node (and pool). When PVE says the guest does not exist there and the node came
 * from the cache, the guest may have moved: it is looked up again and, if it now lives elsewhere, `action` runs once
 * more there (the refusal was synchronous, so nothing was done). A guest whose configuration is gone is NOT_FOUND
 * and forgotten.
 */
export async function onGuest<T>(
  pve: ProxmoxContext,
  ref: PveGuestRef,
  signal: AbortSignal | undefined,
  action: (node: string, pool: string | undefined) => Promise<T>,
): Promise<T> {
  const learning = pve.nodeNames.learnOnce(signal);
  if (learning) await learning;
  const wasCached = pve.locator.isCached(ref.id);
  const location = await pve.locator.locate(ref, signal);
  try {
    return await action(location.node, location.pool);
  } catch (error) {
    if (!isHypervisorError(error, 'NOT_FOUND') || !wasCached) throw guestError(pve, error, ref);
    const fresh = await pve.locator.locate(ref, signal, true);
    if (fresh.node === location.node) throw guestError(pve, error, ref);
    try {
      return await action(fresh.node, fresh.pool);
    } catch (again) {
      throw guestError(pve, again, ref);
    }
  }
}

/**
 * PVE's texts for a guest whose configuration is not on the node asked: pve-guest-common `AbstractConfig.pm`
 * `load_config` (`Configuration file 'nodes/<node>/qemu-server/<id>.conf' does not exist`) and qemu-server
 * `QemuConfig.pm` `assert_config_exists_on_node` (`unable to find configuration file for VM <id> on node '<node>'`).
 */
const NOT_ON_NODE =
  /Configuration file '[^']*' does not exist|unable to find configuration file for (VM|CT) \d+/;

/** PVE's "no configuration file" about this guest is the guest's NOT_FOUND. */
function guestError(pve: ProxmoxContext, error: unknown, ref: PveGuestRef): unknown {
  if (isHypervisorError(error, 'NOT_FOUND') && NOT_ON_NODE.test(error.message)) {
    pve.locator.forget(ref.id);
    return pve.locator.notFound(ref);
  }
  return error;
}
