/** One synthetic guest of the benchmark cluster. */
export interface FleetGuest {
  readonly vmid: number;
  readonly type: 'qemu' | 'lxc';
  readonly node: string;
  readonly name: string;
  readonly running: boolean;
}

/** The synthetic cluster the responder answers for: node names and guests spread over them. */
export interface GuestFleet {
  readonly nodes: readonly string[];
  readonly guests: readonly FleetGuest[];
}

/**
 * Builds a deterministic fleet: `guestCount` guests (one in five a container, three in four running) spread
 * round-robin over `nodeCount` nodes named `pve1`, `pve2`, ...; VMIDs start at 100.
 */
export function buildGuestFleet(guestCount: number, nodeCount: number): GuestFleet {
  const nodes = Array.from({ length: nodeCount }, (_, i) => `pve${i + 1}`);
  const guests: FleetGuest[] = [];
  for (let i = 0; i < guestCount; i++) {
    const vmid = 100 + i;
    const type = i % 5 === 4 ? 'lxc' : 'qemu';
    guests.push({
      vmid,
      type,
      node: nodes[i % nodeCount] as string,
      name: type === 'qemu' ? `vm-app-${vmid}.eu-west.example` : `ct-svc-${vmid}`,
      running: i % 4 !== 3,
    });
  }
  return { nodes, guests };
}
