import type { NicAdd, Operation } from '@hvc/hypervisor-connector';
import { claimSlot, macAddressFor, NIC_SLOT, nextSlot } from './guest-devices.js';
import type { MemoryNic } from './guest-record.js';
import { InventoryLookup } from './inventory-lookup.js';
import type { MemoryContext } from './memory-context.js';
import { resourceNotFound } from './provisioning-errors.js';

/**
 * Adds a NIC on a network of the guest's node, in `nic.slot` or the next free `netN` (the operation's
 * `resourceId`), with the MAC address given or a stable one. NOT_FOUND `network` for an unknown network; a slot
 * that is no `netN` INVALID_ARGUMENT, one in use CONFLICT.
 */
export function addMemoryNic(context: MemoryContext, guestId: string, nic: NicAdd): Operation {
  const guest = context.state.unlockedGuest(guestId, context.origin);
  new InventoryLookup(context, guest.node).network(nic.bridge, 'network', nic.vlan);
  const { slot: asked, ...fields } = nic;
  const slot = claimSlot(
    guest,
    asked,
    (used) => nextSlot('net', used),
    { pattern: NIC_SLOT, description: 'a NIC slot (net0, net1, ...)' },
    context.origin,
  );
  const added: MemoryNic = {
    ...structuredClone(fields),
    slot,
    macAddress: nic.macAddress ?? macAddressFor(guest.vmid, Number(slot.slice(3))),
  };
  return context.runner.start({
    type: 'nic.add',
    guestId: guest.id,
    resourceId: slot,
    node: guest.node,
    locks: () => [{ guest, name: 'nic' }],
    apply: () => {
      guest.config.nics.push(added);
    },
  });
}

/** Removes a NIC; NOT_FOUND for a slot without one. */
export function removeMemoryNic(context: MemoryContext, guestId: string, slot: string): Operation {
  const guest = context.state.unlockedGuest(guestId, context.origin);
  if (!guest.config.nics.some((n) => n.slot === slot)) {
    throw resourceNotFound('nic', slot, 'slot', context.origin);
  }
  return context.runner.start({
    type: 'nic.remove',
    guestId: guest.id,
    resourceId: slot,
    node: guest.node,
    locks: () => [{ guest, name: 'nic' }],
    apply: () => {
      guest.config.nics = guest.config.nics.filter((n) => n.slot !== slot);
    },
  });
}
