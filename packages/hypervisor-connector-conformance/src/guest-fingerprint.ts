import type { Guest, HypervisorConnector } from '@hvc/hypervisor-connector';

/**
 * The configuration and power state of every guest, as a comparable string. Usage figures are left out: they move
 * on a live target without anyone changing anything.
 */
export async function guestsFingerprint(connector: HypervisorConnector): Promise<string> {
  const guests = await connector.listGuests();
  return JSON.stringify(guests.map(guestFingerprint).sort());
}

/** One guest's configuration and power state as a comparable string. */
export function guestFingerprint(guest: Guest): string {
  return JSON.stringify({
    id: guest.id,
    type: guest.type,
    name: guest.name,
    node: guest.node,
    state: guest.state,
    template: guest.template,
    tags: [...guest.tags].sort(),
    pool: guest.pool ?? null,
    cpus: guest.resources.cpus,
    memoryBytes: guest.resources.memoryBytes,
  });
}
