import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ImageSchema, NetworkSchema, StorageSchema } from '@hvc/client/v1';
import { GuestType } from '@hvc/client/v1';
import type { Image, Network, Storage } from '@hvc/hypervisor-connector';
import { plainJsonObject } from './plain-json.js';
import { time, uint } from './proto-mapping.js';

/** A storage as the API answers it. */
export function storageToProto(storage: Storage): MessageInitShape<typeof StorageSchema> {
  return {
    id: storage.id,
    type: storage.type,
    contentKinds: [...storage.contentKinds],
    shared: storage.shared,
    availability: storage.availability.map((a) => ({
      node: a.node,
      active: a.active,
      capacityBytes: uint(a.capacityBytes),
      freeBytes: uint(a.freeBytes),
    })),
    capacityBytes: uint(storage.capacityBytes),
    freeBytes: uint(storage.freeBytes),
    enabled: storage.enabled,
    raw: plainJsonObject(storage.raw),
  };
}

/** A network as the API answers it. */
export function networkToProto(network: Network): MessageInitShape<typeof NetworkSchema> {
  return {
    id: network.id,
    kind: network.kind,
    vlanAware: network.vlanAware,
    vlanTag: network.vlanTag,
    zone: network.zone,
    nodes: [...network.nodes],
    bridge: network.bridge,
    cidr: network.cidr,
    dhcp: network.dhcp,
    description: network.description,
    raw: plainJsonObject(network.raw),
  };
}

/** An image as the API answers it. */
export function imageToProto(image: Image): MessageInitShape<typeof ImageSchema> {
  return {
    id: image.id,
    kind: image.kind,
    name: image.name,
    storage: image.storage,
    node: image.node,
    format: image.format,
    sizeBytes: uint(image.sizeBytes),
    virtualSizeBytes: uint(image.virtualSizeBytes),
    createTime: time(image.createdAt),
    guestType:
      image.guestType === 'vm'
        ? GuestType.VM
        : image.guestType === 'container'
          ? GuestType.CONTAINER
          : GuestType.UNSPECIFIED,
    raw: plainJsonObject(image.raw),
  };
}
