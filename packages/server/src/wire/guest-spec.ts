import type { GuestSpec } from '@hvc/client/v1';
import { type GuestSpecInput, GuestSpecSchema, parseInput } from '@hvc/hypervisor-connector';
import { compact } from './compact.js';
import { guestTypeFromProto } from './proto-mapping.js';

/** The contract's guest spec of a create request, validated (INVALID_ARGUMENT naming the fields when it is not). */
export function guestSpecFromProto(spec: GuestSpec | undefined): GuestSpecInput {
  const input = spec
    ? compact({
        type: guestTypeFromProto(spec.type),
        name: spec.name,
        node: spec.node,
        cpus: spec.cpus,
        memoryMiB: spec.memoryMib,
        disks: spec.disks.map((d) => compact({ sizeGiB: d.sizeGib, storage: d.storage })),
        nics: spec.nics.map((n) =>
          compact({
            bridge: n.bridge,
            model: n.model,
            vlan: n.vlan,
            macAddress: n.macAddress,
            firewall: n.firewall,
          }),
        ),
        tags: spec.tags,
        pool: spec.pool,
        description: spec.description,
        start: spec.start,
        osType: spec.osType,
        firmware: spec.firmware,
        cdrom: spec.cdrom,
        osTemplate: spec.osTemplate,
        unprivileged: spec.unprivileged,
        password: spec.password,
        sshPublicKeys: spec.sshPublicKeys,
        providerOptions: spec.providerOptions,
      })
    : undefined;
  return parseInput(GuestSpecSchema, input, 'spec');
}
