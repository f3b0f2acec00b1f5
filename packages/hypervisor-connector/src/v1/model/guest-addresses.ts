/** Where an address was learnt. */
export const ADDRESS_SOURCES = ['agent', 'lease', 'arp', 'host'] as const;
/**
 * One of {@link ADDRESS_SOURCES}: `agent` the guest agent inside the guest; `lease` the hypervisor's DHCP server;
 * `arp` the host's neighbour table; `host` the hypervisor reads it from the guest directly (containers).
 */
export type AddressSource = (typeof ADDRESS_SOURCES)[number];

/** One IP address of a guest. */
export interface GuestAddress {
  readonly address: string;
  readonly prefixLength?: number;
  readonly family: 'ipv4' | 'ipv6';
  readonly source: AddressSource;
}

/** The addresses of one interface. */
export interface GuestInterfaceAddresses {
  /** The name inside the guest (`eth0`) when the source knows it. */
  readonly name?: string;
  readonly macAddress?: string;
  /** The guest's NIC slot whose MAC matches (`net0`), when one does. */
  readonly slot?: string;
  readonly addresses: readonly GuestAddress[];
}

/** How one source answered. */
export interface AddressSourceStatus {
  /** `unavailable`: it could not answer now (a stopped guest, no agent running); `unsupported`: never on this guest. */
  readonly status: 'ok' | 'unavailable' | 'unsupported';
  readonly message?: string;
}

/**
 * A guest's addresses, each with its source. A guest that is stopped is no error: each source says `unavailable`.
 */
export interface GuestAddresses {
  readonly guestId: string;
  readonly interfaces: readonly GuestInterfaceAddresses[];
  /** Each source asked, and how it answered. */
  readonly sources: Readonly<Partial<Record<AddressSource, AddressSourceStatus>>>;
}
