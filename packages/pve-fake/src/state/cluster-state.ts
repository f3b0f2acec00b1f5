import { fail, PveError } from '../pve-error.js';
import { configDigest } from './config-digest.js';
import { configVolumes } from './guest-volumes.js';
import type {
  GuestConfig,
  NetworkIfaceState,
  NodeState,
  PoolState,
  PveGuestState,
  PveGuestType,
  StaticVolume,
  StorageState,
} from './model.js';
import { readOnlyConfigError } from './quorum.js';
import { SdnState } from './sdn-state.js';

/** A volume as `GET .../storage/{storage}/content` lists it. */
export interface VolumeEntry {
  readonly volid: string;
  readonly content: string;
  readonly format: string;
  readonly size: number;
  /** The size of the disk an image holds (`volume_size_info`): a qcow2's virtual size, else `size`. */
  readonly virtualSize: number;
  readonly vmid?: number;
  readonly ctime: number;
}

/** Where the config file of a guest lives, as PVE names it in error messages. */
export function configPath(node: string, type: PveGuestType, vmid: number): string {
  return `nodes/${node}/${type === 'qemu' ? 'qemu-server' : 'lxc'}/${vmid}.conf`;
}

/** The cluster: nodes, storages, pools, guests and host networks. */
export class ClusterState {
  readonly nodes = new Map<string, NodeState>();
  readonly storages = new Map<string, StorageState>();
  readonly staticVolumes: StaticVolume[] = [];
  readonly guests = new Map<number, PveGuestState>();
  readonly pools = new Map<string, PoolState>();
  readonly networks = new Map<string, NetworkIfaceState[]>();
  /** The SDN zones and VNets. */
  readonly sdn = new SdnState();
  /** Whether the cluster has quorum; without it `/etc/pve` is read-only (`fake.setQuorate`). */
  quorate = true;
  /** The pid the next config write's temporary file is named after (PVE's `$$`). */
  #writerPid = 4000;

  constructor(readonly clusterName: string | undefined) {}

  /** The named node; unknown → PVE's hostname lookup error, offline → 595 from the proxy. */
  requireNode(name: string): NodeState {
    const node = this.nodes.get(name);
    if (!node)
      throw fail(
        `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`,
      );
    if (!node.online) throw new PveError(595, 'No route to host', 'proxy');
    return node;
  }

  /** The guest with this id on this node, or PVE's "Configuration file ... does not exist" 500. */
  guestAt(node: string, type: PveGuestType, vmid: number): PveGuestState {
    const guest = this.guests.get(vmid);
    if (!guest || guest.node !== node || guest.type !== type) {
      throw fail(`Configuration file '${configPath(node, type, vmid)}' does not exist`);
    }
    return guest;
  }

  /** Whether a storage is defined and usable on the node. */
  storageAvailable(node: string, id: string): boolean {
    const s = this.storages.get(id);
    return !!s && (!s.nodes || s.nodes.includes(node));
  }

  /** The lowest free VM id from 100 (PVE's default `next-id` range 100..999999). */
  nextFreeVmid(): number {
    for (let id = 100; id < 1_000_000; id++) if (!this.guests.has(id)) return id;
    throw fail('unable to get any free VMID in range [100, 999999]');
  }

  /** Replaces a guest's config (a write: the digest changes); without quorum it fails as PVE's write does. */
  writeConfig(guest: PveGuestState, config: GuestConfig): void {
    if (!this.quorate) {
      throw readOnlyConfigError(configPath(guest.node, guest.type, guest.vmid), this.#writerPid++);
    }
    guest.config = config;
    guest.revision++;
  }

  /** The current `digest` of a guest's config. */
  digest(guest: PveGuestState): string {
    return configDigest(guest);
  }

  /** Volumes on a storage as seen from a node: guest disks plus ISO images, templates and backups. */
  volumes(node: string, storage: string): VolumeEntry[] {
    const def = this.storages.get(storage);
    if (!def) return [];
    const out: VolumeEntry[] = [];
    for (const g of this.guests.values()) {
      if (!def.shared && g.node !== node) continue;
      for (const v of configVolumes(g.type, g.config)) {
        if (!v.volid.startsWith(`${storage}:`)) continue;
        const content = g.type === 'lxc' ? 'rootdir' : 'images';
        out.push({
          volid: v.volid,
          content,
          format: 'raw',
          size: v.size,
          virtualSize: v.size,
          vmid: g.vmid,
          ctime: Number(g.config.ctime ?? 0),
        });
      }
    }
    for (const v of this.staticVolumes) {
      if (v.storage !== storage || (v.node !== undefined && !def.shared && v.node !== node)) continue;
      out.push({
        volid: v.volid,
        content: v.content,
        format: v.format,
        size: v.size,
        virtualSize: v.virtualSize ?? v.size,
        vmid: v.vmid,
        ctime: v.ctime,
      });
    }
    return out;
  }

  /** A volume by its id as seen from a node (`storage:volname`), if it exists there. */
  volume(node: string, volid: string): VolumeEntry | undefined {
    const storage = volid.slice(0, volid.indexOf(':'));
    return this.volumes(node, storage).find((v) => v.volid === volid);
  }

  /** Bytes used on a storage as seen from a node. */
  storageUsed(node: string, storage: string): number {
    return this.volumes(node, storage).reduce((sum, v) => sum + v.size, 0);
  }
}
