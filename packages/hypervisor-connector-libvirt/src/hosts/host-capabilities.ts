import { attr, child, children, parseXml, textOf } from '../domains/xml-codec.js';

/** What a host can run for one guest architecture, from its capabilities XML. */
export interface GuestArchCapabilities {
  /** `hvm` (full virtualization) or `xen`, `exe`, ... */
  readonly osType: string;
  readonly arch: string;
  /** The default emulator of this architecture. */
  readonly emulator?: string;
  /** The domain types offered (`kvm`, `qemu`), each with its own emulator when it differs. */
  readonly domainTypes: readonly { readonly type: string; readonly emulator?: string }[];
}

/** A host's capabilities (`CONNECT_GET_CAPABILITIES`), the parts the connector uses. */
export interface HostCapabilities {
  /** The host's own architecture. */
  readonly arch?: string;
  readonly hostUuid?: string;
  readonly guests: readonly GuestArchCapabilities[];
}

/** Parses libvirt's capabilities XML. */
export function parseHostCapabilities(xml: string): HostCapabilities {
  const capabilities = child(parseXml(xml), 'capabilities');
  const host = child(capabilities, 'host');
  const arch = textOf(child(host, 'cpu'), 'arch');
  const hostUuid = textOf(host, 'uuid');
  const guests = children(capabilities, 'guest').flatMap((guest) =>
    children(guest, 'arch').map((archElement): GuestArchCapabilities => {
      const emulator = textOf(archElement, 'emulator');
      return {
        osType: textOf(guest, 'os_type') ?? 'unknown',
        arch: attr(archElement, 'name') ?? 'unknown',
        ...(emulator === undefined ? {} : { emulator }),
        domainTypes: children(archElement, 'domain').map((domain) => {
          const own = textOf(domain, 'emulator');
          return { type: attr(domain, 'type') ?? 'unknown', ...(own === undefined ? {} : { emulator: own }) };
        }),
      };
    }),
  );
  return {
    ...(arch === undefined ? {} : { arch }),
    ...(hostUuid === undefined ? {} : { hostUuid }),
    guests,
  };
}

/** How a new guest of `arch` runs on this host: the domain type (the configured one, else kvm over qemu). */
export interface GuestPlatform {
  readonly arch: string;
  readonly domainType: string;
  readonly emulator?: string;
}

/**
 * The platform of a new full-virtualization guest on a host: its architecture (`arch`, else the host's), the
 * domain type (`domainType` when the host offers it, else `kvm` when offered, else `qemu`) and that type's
 * emulator. `undefined` when the host offers none — the domain type always comes from the host, never assumed.
 */
export function guestPlatform(
  capabilities: HostCapabilities,
  wanted: { readonly arch?: string; readonly domainType?: string },
): GuestPlatform | undefined {
  const arch = wanted.arch ?? capabilities.arch ?? 'x86_64';
  const candidate = capabilities.guests.find((guest) => guest.osType === 'hvm' && guest.arch === arch);
  if (candidate === undefined) return undefined;
  const types = candidate.domainTypes;
  const chosen =
    wanted.domainType === undefined
      ? (types.find((t) => t.type === 'kvm') ?? types.find((t) => t.type === 'qemu') ?? types[0])
      : types.find((t) => t.type === wanted.domainType);
  if (chosen === undefined) return undefined;
  const emulator = chosen.emulator ?? candidate.emulator;
  return { arch, domainType: chosen.type, ...(emulator === undefined ? {} : { emulator }) };
}

/** Every domain type the host offers, for any architecture (`['qemu']` where kvm is missing). */
export function offeredDomainTypes(capabilities: HostCapabilities): string[] {
  return [...new Set(capabilities.guests.flatMap((guest) => guest.domainTypes.map((domain) => domain.type)))];
}
