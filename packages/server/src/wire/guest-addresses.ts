import type { MessageInitShape } from '@bufbuild/protobuf';
import type { AddressSourceStatusSchema, GetGuestAddressesResponseSchema } from '@hvc/client/v1';
import { type AddressRequest, AddressRequestSchema, type GuestAddresses } from '@hvc/hypervisor-connector';
import { compact } from './compact.js';
import { parseProtoInput } from './proto-field-path.js';

/** The contract's address request of `sources` (every source when empty), validated. */
export function addressRequestFromProto(sources: readonly string[]): AddressRequest {
  return parseProtoInput(AddressRequestSchema, compact({ sources: [...sources] }), '');
}

/** A guest's addresses as the API answers them. */
export function guestAddressesToProto(
  addresses: GuestAddresses,
): MessageInitShape<typeof GetGuestAddressesResponseSchema> {
  const sources: Record<string, MessageInitShape<typeof AddressSourceStatusSchema>> = {};
  for (const [source, status] of Object.entries(addresses.sources)) {
    if (status) sources[source] = { status: status.status, message: status.message };
  }
  return {
    guestId: addresses.guestId,
    interfaces: addresses.interfaces.map((i) => ({
      name: i.name,
      macAddress: i.macAddress,
      slot: i.slot,
      addresses: i.addresses.map((a) => ({
        address: a.address,
        prefixLength: a.prefixLength,
        family: a.family,
        source: a.source,
      })),
    })),
    sources,
  };
}
