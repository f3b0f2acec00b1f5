import type { Capabilities } from '@hvc/hypervisor-connector';
import type { LibvirtConfig } from '../config/libvirt-config.js';
import type { GuestLocator } from '../domains/guest-locator.js';
import type { DomainEventHub } from '../hosts/domain-event-hub.js';
import type { LibvirtTarget } from '../hosts/libvirt-target.js';
import type { GuestLocks } from '../operations/guest-locks.js';
import type { LibvirtOperations } from '../operations/libvirt-operations.js';

/** Everything one libvirt connector's methods share. */
export interface LibvirtContext {
  readonly config: LibvirtConfig;
  readonly target: LibvirtTarget;
  readonly events: DomainEventHub;
  readonly locator: GuestLocator;
  readonly locks: GuestLocks;
  readonly operations: LibvirtOperations;
  /** The capabilities of this target (the gate's and `describe()`'s). */
  readonly capabilities: Capabilities;
}
