import { ConflictError, NotFoundError } from '@hvc/hypervisor-connector';
import type { ErrorOrigin } from './memory-errors.js';

/** What a spec or a device change names that the target may not have. */
export type ProvisioningResource = 'storage' | 'network' | 'image' | 'template' | 'disk' | 'nic';

/**
 * Why the target cannot use what a spec names, though it exists: a storage without the content kind needed, an
 * image of another kind, a guest that is no template, a VLAN tag on a network that cannot carry one, a slot in use.
 */
export type ProvisioningConflictReason =
  | 'STORAGE_CONTENT'
  | 'IMAGE_KIND'
  | 'NOT_A_TEMPLATE'
  | 'NETWORK_NO_VLAN'
  | 'GUEST_RUNNING'
  | 'SLOT_IN_USE';

function origin(from: ErrorOrigin): { target?: string } {
  return from.target === undefined ? {} : { target: from.target };
}

/** NOT_FOUND for a storage, network, image, template, disk or NIC, naming the input field that named it. */
export function resourceNotFound(
  resource: ProvisioningResource,
  id: string,
  field: string,
  from: ErrorOrigin,
  node?: string,
): NotFoundError {
  const where = node === undefined ? '' : ` on node '${node}'`;
  return new NotFoundError(`${resource} '${id}' not found${where}`, {
    ...origin(from),
    details: { resource, id, field, ...(node === undefined ? {} : { node }) },
  });
}

/** CONFLICT, not retryable: the request is well formed, but what it names cannot be used that way. */
export function provisioningConflict(
  reason: ProvisioningConflictReason,
  message: string,
  details: Readonly<Record<string, unknown>>,
  from: ErrorOrigin,
): ConflictError {
  return new ConflictError(message, { ...origin(from), retryable: false, details: { reason, ...details } });
}
