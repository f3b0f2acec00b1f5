/** An SDN zone (`/etc/pve/sdn/zones.cfg`): the nodes it spans and what its VNets ride on. */
export interface SdnZoneState {
  readonly zone: string;
  readonly type: 'simple' | 'vlan' | 'qinq' | 'vxlan' | 'evpn';
  /** Nodes the zone is deployed on; all when absent (`pve-network:src/PVE/Network/SDN.pm get_local_vnets`). */
  readonly nodes?: readonly string[];
  /** The host bridge of a VLAN zone. */
  readonly bridge?: string;
  readonly ipam?: string;
}

/** An SDN VNet (`/etc/pve/sdn/vnets.cfg`). */
export interface SdnVnetState {
  readonly vnet: string;
  readonly zone: string;
  readonly tag?: number;
  readonly vlanaware?: boolean;
  readonly alias?: string;
}

/** The running SDN configuration: zones and VNets by id. */
export class SdnState {
  readonly zones = new Map<string, SdnZoneState>();
  readonly vnets = new Map<string, SdnVnetState>();

  /** VNet ids in the order PVE lists them (`sdn_vnets_ids`: `sort keys`). */
  vnetIds(): string[] {
    return [...this.vnets.keys()].sort();
  }
}
