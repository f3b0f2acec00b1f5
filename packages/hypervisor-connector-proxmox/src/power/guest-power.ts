import { ConflictError } from '@hvc/hypervisor-connector';
import { type CallContext, type PowerMethods, powerMethods } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPreconditions } from '../guests/guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { startTask } from '../tasks/task-start.js';

/**
 * Start, stop, shutdown, reboot, reset, suspend and resume, each a `POST .../status/<action>` task (the action's
 * PVE name is its path and its operation type). A guest that is
 * busy (any task but a console session) or, for start and resume, in the wrong state is refused at once with
 * CONFLICT. What containers lack (reset, suspend) the capability gate refuses before this runs.
 */
export function pvePowerMethods(pve: ProxmoxContext): PowerMethods<PveGuestRef> {
  return powerMethods((action, ref: PveGuestRef, { signal }: CallContext) =>
    onGuest(pve, ref, signal, async (node) => {
      const check = guestCheck(pve, ref, node, signal);
      // Both reads at once; a busy guest is reported before a wrong state, as when they ran one after the other.
      await inOrder([
        action === 'stop' ? undefined : guestPreconditions.idle(check),
        // A VM's stop and shutdown on a node it has left return a task that fails (`unable to find configuration
        // file`), so the guest is looked for on the node first: gone from it, it is relocated before anything is sent.
        action === 'stop' || action === 'shutdown' ? guestPreconditions.onNode(check) : undefined,
        action === 'start'
          ? guestPreconditions.inState(check, ['stopped', 'suspended'], 'start').then((status) => {
              // qemu-server and pve-container `vm_start` fail the task of a template ("you can't start a vm if
              // it's a template"): refused here before a task is made.
              if (status.template === true) {
                throw new ConflictError(`cannot start guest ${ref.id}: it is a template`, {
                  ...pve.origin,
                  retryable: false,
                  details: { reason: 'TEMPLATE' },
                });
              }
            })
          : undefined,
        action === 'resume'
          ? guestPreconditions.inState(check, ['paused', 'suspended'], 'resume')
          : undefined,
      ]);
      return startTask(
        pve,
        { method: 'POST', path: `${guestPath(ref, node)}/status/${action}`, node, signal },
        { type: action, guestId: ref.id },
      );
    }),
  );
}

/** Waits for every check, then throws the first failure in the order given. */
async function inOrder(checks: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const outcomes = await Promise.allSettled(checks);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
}
