import type { BootDevice } from '../schemas/guest-source.js';

/** One disk of a guest as the hypervisor has it. */
export interface GuestDisk {
  /** Its slot: `scsi0`, `virtio1`, `vda`... What `resizeDisk` and `removeDisk` take. */
  readonly slot: string;
  readonly sizeBytes: number;
  readonly storage?: string;
  readonly volumeId?: string;
  /** Whether the guest boots from it. */
  readonly boot: boolean;
}

/** One CD-ROM drive. */
export interface GuestCdrom {
  readonly slot: string;
  /** The ISO in it; absent when empty. */
  readonly volumeId?: string;
  /** Whether it is the cloud-init seed drive. */
  readonly cloudInit: boolean;
}

/** One network interface. */
export interface GuestNic {
  /** Its slot: `net0`, or the libvirt interface's target device. What `removeNic` takes. */
  readonly slot: string;
  /** The network (bridge, VNet, libvirt network) it is on. */
  readonly network?: string;
  readonly macAddress?: string;
  readonly model?: string;
  readonly vlan?: number;
  readonly firewall?: boolean;
}

/** A guest's cloud-init settings, without secrets. */
export interface GuestCloudInitConfig {
  readonly user?: string;
  /** Whether a password is set; the hash itself is never reported. */
  readonly hasPassword: boolean;
  readonly sshAuthorizedKeys: readonly string[];
  readonly hostname?: string;
  /** Per NIC index, as the hypervisor stores it (e.g. PVE `ip=10.0.0.5/24,gw=10.0.0.1`). */
  readonly interfaces: readonly {
    readonly ipv4?: 'dhcp' | { readonly address: string; readonly gateway?: string };
    readonly ipv6?: 'dhcp' | 'slaac' | { readonly address: string; readonly gateway?: string };
  }[];
  readonly nameservers: readonly string[];
  readonly searchDomains: readonly string[];
}

/** A guest's devices: what device changes are made against, and where their slots come from. */
export interface GuestConfig {
  readonly guestId: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly firmware?: 'bios' | 'uefi';
  /** Boot order, when the hypervisor has one set. */
  readonly boot?: readonly BootDevice[];
  readonly disks: readonly GuestDisk[];
  readonly cdroms: readonly GuestCdrom[];
  readonly nics: readonly GuestNic[];
  readonly cloudInit?: GuestCloudInitConfig;
  /** Whether the guest has a guest agent channel. */
  readonly guestAgent?: boolean;
  /** Whether the guest is a template. */
  readonly template: boolean;
  /** The configuration's version, for `ifMatch` (PVE's `digest`). */
  readonly digest?: string;
  /** The hypervisor's own configuration record, unchanged. */
  readonly raw: Readonly<Record<string, unknown>>;
}
