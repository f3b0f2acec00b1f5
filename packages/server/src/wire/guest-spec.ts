import type { GuestSpec } from '@hvc/client/v1';
import { type GuestSpecInput, GuestSpecSchema } from '@hvc/hypervisor-connector';
import { cloudInitFromProto } from './cloud-init.js';
import { compact } from './compact.js';
import { parseProtoInput, protoFieldPath } from './proto-field-path.js';
import { guestTypeFromProto } from './proto-mapping.js';

/** The contract's source of a VM spec: the `source` oneof of the request. */
function sourceFromProto(source: GuestSpec['source']): Record<string, unknown> | undefined {
  switch (source.case) {
    case 'template':
      return compact({ kind: 'template', guestId: source.value.guestId, mode: source.value.mode });
    case 'image':
      return { kind: 'image', volumeId: source.value.volumeId };
    case 'iso':
      return { kind: 'iso', volumeId: source.value.volumeId };
    default:
      return undefined;
  }
}

/** A NIC of a spec; an empty `bridge` is an unset one (proto3 strings cannot be absent). */
export function nicFromProto(nic: {
  bridge: string;
  network?: string;
  model?: string;
  vlan?: number;
  macAddress?: string;
  firewall?: boolean;
}): Record<string, unknown> {
  return compact({
    network: nic.network,
    bridge: nic.bridge === '' ? undefined : nic.bridge,
    model: nic.model,
    vlan: nic.vlan,
    macAddress: nic.macAddress,
    firewall: nic.firewall,
  });
}

/**
 * The contract's guest spec of a create request, validated: INVALID_ARGUMENT naming each bad field as the request
 * spells it (`spec.cloud_init.ssh_authorized_keys[0]`), never with its value.
 */
export function guestSpecFromProto(spec: GuestSpec | undefined): GuestSpecInput {
  const input = spec
    ? compact({
        type: guestTypeFromProto(spec.type),
        name: spec.name,
        node: spec.node,
        cpus: spec.cpus,
        memoryMiB: spec.memoryMib,
        disks: spec.disks.map((d) => compact({ sizeGiB: d.sizeGib, storage: d.storage })),
        nics: spec.nics.map(nicFromProto),
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
        source: sourceFromProto(spec.source),
        bootDisk:
          spec.bootDisk && compact({ sizeGiB: spec.bootDisk.sizeGib, storage: spec.bootDisk.storage }),
        boot: spec.boot,
        cloudInit: spec.cloudInit && cloudInitFromProto(spec.cloudInit),
        guestAgent: spec.guestAgent,
      })
    : undefined;
  const sourceCase = spec?.source.case;
  return parseProtoInput(GuestSpecSchema, input, 'spec', {
    ...(sourceCase === undefined ? {} : { source: sourceCase }),
    ...interfaceRenames(spec),
  });
}

/** `cloudInit.interfaces.N.ipv4` is `ipv4_static` (or `ipv4_dhcp`) in the request, by the oneof case it set. */
function interfaceRenames(spec: GuestSpec | undefined): Record<string, string> {
  const renames: Record<string, string> = {};
  spec?.cloudInit?.interfaces.forEach((nic, index) => {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const set = nic[family].case;
      if (set !== undefined) {
        renames[`cloudInit.interfaces.${index}.${family}`] =
          `${protoFieldPath(`cloudInit.interfaces.${index}`)}.${protoFieldPath(set)}`;
      }
    }
  });
  return renames;
}
