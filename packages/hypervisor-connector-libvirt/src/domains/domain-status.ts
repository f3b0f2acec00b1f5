import { ConflictError, isHypervisorError } from '@hvc/hypervisor-connector';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { type MappedDomainState, mapDomainState } from './domain-state.js';
import { type GuestLocator, isNoDomain, type LocatedDomain } from './guest-locator.js';
import { HVC_METADATA_URI, type HvcMetadata, parseHvcMetadataElement } from './hvc-metadata.js';

/** A guest's host and its libvirt state, read before a change. */
export interface DomainStatus extends LocatedDomain {
  readonly uuid: string;
  readonly state: number;
  readonly mapped: MappedDomainState;
}

/** `VIR_DOMAIN_METADATA_ELEMENT`. */
const METADATA_ELEMENT = 2;

/** Where guest `uuid` is and its state (one call on the cached host). */
export function readDomainStatus(
  locator: GuestLocator,
  uuid: string,
  signal?: AbortSignal,
): Promise<DomainStatus> {
  return locator.withDomain(uuid, signal, async (located) => {
    const { state, reason } = await located.host.call(
      P.REMOTE_PROC_DOMAIN_GET_STATE,
      { dom: located.dom, flags: 0 },
      signal,
    );
    return { ...located, uuid, state, mapped: mapDomainState(state, reason) };
  });
}

/** hvc's metadata of a located guest (`DOMAIN_GET_METADATA`); an ordinary guest when it has none. */
export async function readGuestMetadata(located: LocatedDomain, signal?: AbortSignal): Promise<HvcMetadata> {
  try {
    const { metadata } = await located.host.call(
      P.REMOTE_PROC_DOMAIN_GET_METADATA,
      { dom: located.dom, type: METADATA_ELEMENT, uri: HVC_METADATA_URI, flags: 0 },
      signal,
    );
    return parseHvcMetadataElement(metadata);
  } catch (error) {
    // NO_DOMAIN_METADATA (not NO_DOMAIN): the guest has no hvc element.
    if (isHypervisorError(error, 'NOT_FOUND') && !isNoDomain(error)) {
      return { template: false, tags: [] };
    }
    throw error;
  }
}

/** Throws CONFLICT (not retryable: waiting alone will not change it) unless `allowed`. */
export function requireState(status: DomainStatus, allowed: boolean, action: string, hint: string): void {
  if (allowed) return;
  const { libvirtState, libvirtReason } = status.mapped;
  throw new ConflictError(
    `cannot ${action} guest ${status.uuid}: it is ${libvirtState} (${libvirtReason}); ${hint}`,
    {
      retryable: false,
      details: { guestId: status.uuid, state: libvirtState, reason: libvirtReason },
    },
  );
}
