import type { Guest } from '@hvc/hypervisor-connector';
import type { DomainDefinition } from './domain-definition.js';
import type { MappedDomainState } from './domain-state.js';

/** Where and how a domain was read. */
export interface GuestContext {
  /** The node name of its host. */
  readonly node: string;
  /** The host's URI without credentials. */
  readonly host: string;
  readonly state: MappedDomainState;
  /** The operation of this process that holds the guest, if one does (it wins over libvirt's own job). */
  readonly operation?: string;
}

/**
 * A domain as the contract's {@link Guest}: id = UUID, type `vm` (the QEMU driver has no containers), cpus and
 * memory from the XML, tags, template flag and pool from hvc's metadata. `raw` holds libvirt's record in brief —
 * state and reason by name, domain type, the disks, NICs and graphics, the configuration digest (`ifMatch`).
 */
export function toGuest(definition: DomainDefinition, context: GuestContext): Guest {
  const lock = context.operation ?? context.state.lock;
  return {
    id: definition.uuid,
    type: 'vm',
    name: definition.name,
    node: context.node,
    state: context.state.state,
    template: definition.metadata.template,
    ...(lock === undefined ? {} : { lock }),
    tags: [...definition.metadata.tags],
    ...(definition.metadata.pool === undefined ? {} : { pool: definition.metadata.pool }),
    resources: { cpus: definition.vcpus, memoryBytes: definition.memoryBytes },
    raw: {
      uuid: definition.uuid,
      name: definition.name,
      host: context.host,
      domainType: definition.domainType,
      state: context.state.libvirtState,
      reason: context.state.libvirtReason,
      ...(definition.description === undefined ? {} : { description: definition.description }),
      maxVcpus: definition.maxVcpus,
      currentMemoryBytes: definition.currentMemoryBytes,
      ...(definition.arch === undefined ? {} : { arch: definition.arch }),
      ...(definition.machine === undefined ? {} : { machine: definition.machine }),
      disks: definition.disks.map((disk) => ({ ...disk })),
      nics: definition.nics.map((nic) => ({ ...nic })),
      graphics: definition.graphics.map((graphics) => ({ ...graphics })),
      digest: definition.digest,
    },
  };
}
