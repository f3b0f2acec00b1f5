import {
  type Capabilities,
  type CapabilityName,
  type HypervisorConnector,
  hasCapability,
} from '@hvc/hypervisor-connector';

/** One guest method, called with a guest id and otherwise valid arguments. */
export interface GuestCall {
  readonly method: string;
  /** The capability the method needs, when it needs one. */
  readonly capability?: CapabilityName;
  call(connector: HypervisorConnector, guestId: string): Promise<unknown>;
}

/**
 * Every method of the contract that takes a guest id, with valid other arguments. `node` is a node of the target
 * and `protocol` a console protocol the connector offers.
 */
export function guestCalls(node: string, caps: Capabilities): GuestCall[] {
  const protocol = caps.console[0];
  const calls: GuestCall[] = [
    { method: 'getGuest', call: (c, id) => c.getGuest(id) },
    { method: 'cloneGuest', capability: 'clone.full', call: (c, id) => c.cloneGuest(id, { mode: 'full' }) },
    {
      method: 'updateGuest',
      capability: 'update',
      call: (c, id) => c.updateGuest(id, { description: 'kit' }),
    },
    { method: 'deleteGuest', call: (c, id) => c.deleteGuest(id) },
    { method: 'startGuest', call: (c, id) => c.startGuest(id) },
    { method: 'stopGuest', call: (c, id) => c.stopGuest(id) },
    { method: 'shutdownGuest', call: (c, id) => c.shutdownGuest(id) },
    { method: 'rebootGuest', call: (c, id) => c.rebootGuest(id) },
    { method: 'resetGuest', capability: 'reset', call: (c, id) => c.resetGuest(id) },
    { method: 'suspendGuest', capability: 'suspend', call: (c, id) => c.suspendGuest(id) },
    { method: 'resumeGuest', capability: 'suspend', call: (c, id) => c.resumeGuest(id) },
    {
      method: 'migrateGuest',
      capability: 'migration.offline',
      call: (c, id) => c.migrateGuest(id, { targetNode: node }),
    },
    { method: 'listSnapshots', capability: 'snapshots', call: (c, id) => c.listSnapshots(id) },
    {
      method: 'createSnapshot',
      capability: 'snapshots',
      call: (c, id) => c.createSnapshot(id, { name: 'kit' }),
    },
    { method: 'rollbackSnapshot', capability: 'snapshots', call: (c, id) => c.rollbackSnapshot(id, 'kit') },
    { method: 'deleteSnapshot', capability: 'snapshots', call: (c, id) => c.deleteSnapshot(id, 'kit') },
    { method: 'getMetrics', capability: 'metrics', call: (c, id) => c.getMetrics(id) },
  ];
  if (protocol !== undefined) {
    calls.push({
      method: 'openConsole',
      capability: `console.${protocol}`,
      call: (c, id) => c.openConsole(id, { protocol }),
    });
  }
  return calls.filter((entry) => entry.capability === undefined || hasCapability(caps, entry.capability));
}
