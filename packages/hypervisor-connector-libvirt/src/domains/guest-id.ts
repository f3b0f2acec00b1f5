import { InvalidArgumentError } from '@hvc/hypervisor-connector';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A guest id of the libvirt connector: the domain's UUID, lower case (`6f1c…-…`). Domain ids change at every start
 * and names are only unique per host, so the UUID is the one stable name of a domain across hosts.
 */
export function parseGuestId(guestId: string): string {
  const uuid = typeof guestId === 'string' ? guestId.toLowerCase() : '';
  if (!UUID.test(uuid)) {
    throw new InvalidArgumentError('invalid guest id: a libvirt guest id is a domain UUID', {
      violations: [{ field: 'guestId', message: 'not a domain UUID (8-4-4-4-12 hex digits)' }],
    });
  }
  return uuid;
}

/** Whether `value` is a guest id in the form {@link parseGuestId} returns. */
export function isGuestId(value: string): boolean {
  return UUID.test(value);
}

/** The 16 bytes libvirt's protocol carries for a UUID. */
export function uuidBytes(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

/** The UUID string of 16 protocol bytes. */
export function uuidString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
