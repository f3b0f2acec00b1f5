/**
 * What a storage may hold, normalised: guest disks, container root file systems, ISO images, OS container
 * templates, disk images to create guests from (cloud images), snippets (cloud-init files) and backups. PVE's
 * content types map onto them as `images`, `rootdir`, `iso`, `vztmpl`, `import`, `snippets`, `backup`.
 */
export const STORAGE_CONTENT_KINDS = [
  'disk',
  'container-rootfs',
  'iso',
  'container-template',
  'image',
  'snippet',
  'backup',
] as const;

/** One of {@link STORAGE_CONTENT_KINDS}. */
export type StorageContentKind = (typeof STORAGE_CONTENT_KINDS)[number];

/** Where a storage is usable and how full it is there. */
export interface StorageAvailability {
  readonly node: string;
  /** Whether the storage is active (mounted, reachable) on that node. */
  readonly active: boolean;
  readonly capacityBytes?: number;
  readonly freeBytes?: number;
}

/** A place where disks, images and ISOs live: a PVE storage, a libvirt storage pool. */
export interface Storage {
  /** Unique in its target; what specs name (`disks[].storage`, volume ids `<id>:...`). */
  readonly id: string;
  /** The hypervisor's own type: `dir`, `lvmthin`, `rbd`, `zfspool`... for PVE; `dir`, `logical`, `netfs`... for libvirt. */
  readonly type: string;
  /** What it may hold. */
  readonly contentKinds: readonly StorageContentKind[];
  /** One storage with the same contents on every node in `availability` (PVE `shared`, libvirt network pools). */
  readonly shared: boolean;
  /** The nodes it exists on, with their state there; a local storage has a different capacity on each. */
  readonly availability: readonly StorageAvailability[];
  /** The total capacity when `shared` (the same on every node); absent otherwise. */
  readonly capacityBytes?: number;
  /** The free space when `shared`; absent otherwise. */
  readonly freeBytes?: number;
  /** Whether the configuration enables it (PVE: not `disable`; libvirt: active or autostarted). */
  readonly enabled: boolean;
  /** The hypervisor's own record. */
  readonly raw: Readonly<Record<string, unknown>>;
}
