import type { Operation } from '@hvc/hypervisor-connector';
import type { CallContext, ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPreconditions } from '../guests/guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { snapshotsFromPve } from '../mapping/snapshot-mapping.js';
import { PveSnapshotsSchema } from '../schemas/guests.js';
import { startTask } from '../tasks/task-start.js';
import { checkSnapshotName } from './snapshot-name.js';

/**
 * Listing, creating, rolling back and deleting snapshots. Every change waits for an idle guest and checks the name
 * first (ALREADY_EXISTS for a taken one, NOT_FOUND for a missing one), since PVE would only fail the task later; a
 * name PVE's format or reserved names refuse is INVALID_ARGUMENT before any request.
 * Memory snapshots of containers the capability gate refuses before this runs.
 */
export function snapshotMethods(
  pve: ProxmoxContext,
): Pick<
  ConnectorImplementation<PveGuestRef>,
  'listSnapshots' | 'createSnapshot' | 'rollbackSnapshot' | 'deleteSnapshot'
> {
  /** A task on an existing snapshot: `rollback` (POST) or `delete` (DELETE). */
  const onSnapshot =
    (action: 'rollback' | 'delete') =>
    (ref: PveGuestRef, name: string, { signal }: CallContext): Promise<Operation> => {
      checkSnapshotName(ref.type, name, false);
      return onGuest(pve, ref, signal, async (node) => {
        const check = guestCheck(pve, ref, node, signal);
        await guestPreconditions.idle(check);
        await guestPreconditions.snapshot(check, name, true);
        const path = `${guestPath(ref, node)}/snapshot/${encodeURIComponent(name)}`;
        return startTask(
          pve,
          action === 'rollback'
            ? { method: 'POST', path: `${path}/rollback`, node, signal }
            : { method: 'DELETE', path, node, signal },
          { type: action === 'rollback' ? 'snapshot.rollback' : 'snapshot.delete', guestId: ref.id },
        );
      });
    };
  return {
    listSnapshots: (ref, { signal }) =>
      onGuest(pve, ref, signal, async (node) =>
        snapshotsFromPve(
          await pve.client.get(`${guestPath(ref, node)}/snapshot`, undefined, PveSnapshotsSchema, {
            node,
            signal,
          }),
        ),
      ),
    createSnapshot: (ref, spec, { signal }) => {
      checkSnapshotName(ref.type, spec.name, true);
      return onGuest(pve, ref, signal, async (node) => {
        const check = guestCheck(pve, ref, node, signal);
        await guestPreconditions.idle(check);
        await guestPreconditions.snapshot(check, spec.name, false);
        return startTask(
          pve,
          {
            method: 'POST',
            path: `${guestPath(ref, node)}/snapshot`,
            params: {
              snapname: spec.name,
              description: spec.description,
              ...(ref.type === 'qemu' ? { vmstate: spec.includeMemory } : {}),
            },
            node,
            signal,
          },
          { type: 'snapshot.create', guestId: ref.id },
        );
      });
    },
    rollbackSnapshot: onSnapshot('rollback'),
    deleteSnapshot: onSnapshot('delete'),
  };
}
