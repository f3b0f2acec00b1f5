/** What a NIC can be attached to: a host bridge, an SDN virtual network (PVE VNet), a libvirt virtual network. */
export const NETWORK_KINDS = ['bridge', 'vnet', 'virtual-network'] as const;

/** One of {@link NETWORK_KINDS}. */
export type NetworkKind = (typeof NETWORK_KINDS)[number];

/** A network a NIC can be put on: a host bridge, an SDN VNet (PVE), a libvirt network. */
export interface Network {
  /** Unique in its target: the bridge, VNet or libvirt network name. */
  readonly id: string;
  readonly kind: NetworkKind;
  /** Whether a NIC on it may carry an 802.1Q tag of its own. */
  readonly vlanAware: boolean;
  /** The VLAN a VNet or virtual network puts every NIC in, when it has one. */
  readonly vlanTag?: number;
  /** The SDN zone of a VNet. */
  readonly zone?: string;
  /** The nodes it exists on. */
  readonly nodes: readonly string[];
  /** The host bridge behind it (libvirt networks: `virbr0`). */
  readonly bridge?: string;
  /** The subnet the network itself routes or serves by DHCP, when the hypervisor says (`10.0.0.0/24`). */
  readonly cidr?: string;
  /** Whether the hypervisor runs DHCP on it. */
  readonly dhcp?: boolean;
  readonly description?: string;
  /** The hypervisor's own record. */
  readonly raw: Readonly<Record<string, unknown>>;
}
