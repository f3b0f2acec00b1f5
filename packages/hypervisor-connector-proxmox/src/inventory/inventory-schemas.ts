import { z } from 'zod';
import { pveOptionalBoolean, pveOptionalNumber, pveOptionalString } from '../schemas/pve-values.js';

/**
 * One item of `GET /storage`: the storage's `storage.cfg` section, `content` and `nodes` as comma lists
 * (`pve-storage:src/PVE/API2/Storage/Config.pm $api_storage_config`; the schema declares only `storage`).
 */
const PveStorageConfigSchema = z.looseObject({
  storage: z.string(),
  type: z.string(),
  content: pveOptionalString,
  nodes: pveOptionalString,
  shared: pveOptionalBoolean,
  disable: pveOptionalBoolean,
});

/** `GET /storage`. */
export const PveStorageConfigsSchema = z.array(PveStorageConfigSchema);
/** A parsed `/storage` item. */
export type PveStorageConfig = z.output<typeof PveStorageConfigSchema>;

/** One storage item of `GET /cluster/resources?type=storage`: a storage on one node, with its usage there. */
const PveStorageResourceSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  node: pveOptionalString,
  storage: pveOptionalString,
  status: pveOptionalString,
  plugintype: pveOptionalString,
  content: pveOptionalString,
  shared: pveOptionalBoolean,
  maxdisk: pveOptionalNumber,
  disk: pveOptionalNumber,
});

/** `GET /cluster/resources?type=storage`. */
export const PveStorageResourcesSchema = z.array(PveStorageResourceSchema);
/** A parsed storage resource. */
export type PveStorageResource = z.output<typeof PveStorageResourceSchema>;

/** One item of `GET /nodes/{node}/network`: an interface, or a VNet merged in by `type=any_bridge`. */
const PveNetworkSchema = z.looseObject({
  iface: z.string(),
  type: z.string(),
  bridge_vlan_aware: pveOptionalBoolean,
  vlanaware: pveOptionalBoolean,
  cidr: pveOptionalString,
  comments: pveOptionalString,
  active: pveOptionalBoolean,
});

/** `GET /nodes/{node}/network`. */
export const PveNetworksSchema = z.array(PveNetworkSchema);
/** A parsed network item. */
export type PveNetwork = z.output<typeof PveNetworkSchema>;

/** One item of `GET /cluster/sdn/vnets` (`pve-network:src/PVE/API2/Network/SDN/Vnets.pm index`). */
const PveVnetSchema = z.looseObject({
  vnet: z.string(),
  zone: pveOptionalString,
  tag: pveOptionalNumber,
  vlanaware: pveOptionalBoolean,
  alias: pveOptionalString,
});

/** `GET /cluster/sdn/vnets`. */
export const PveVnetsSchema = z.array(PveVnetSchema);
/** A parsed VNet. */
export type PveVnet = z.output<typeof PveVnetSchema>;

/** One item of `GET /nodes/{node}/storage/{storage}/content`: a volume. */
const PveVolumeSchema = z.looseObject({
  volid: z.string(),
  content: z.string(),
  format: pveOptionalString,
  size: pveOptionalNumber,
  ctime: pveOptionalNumber,
  vmid: pveOptionalNumber,
});

/** `GET /nodes/{node}/storage/{storage}/content`. */
export const PveVolumesSchema = z.array(PveVolumeSchema);
/** A parsed volume. */
export type PveVolume = z.output<typeof PveVolumeSchema>;
