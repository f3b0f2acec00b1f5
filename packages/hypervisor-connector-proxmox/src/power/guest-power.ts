import type { Operation } from '@hvc/hypervisor-connector';
import type { CallContext, ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPreconditions } from '../guests/guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { startTask } from '../tasks/task-start.js';

/** A power action: its PVE name is its `status/<action>` path and its operation type. */
type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume';

/**
 * Start, stop, shutdown, reboot, reset, suspend and resume, each a `POST .../status/<action>` task. A guest that is
 * busy (any task but a console session) or, for start and resume, in the wrong state is refused at once with
 * CONFLICT. What containers lack (reset, suspend) the capability gate refuses before this runs.
 */
export function powerMethods(
  pve: ProxmoxContext,
): Pick<
  ConnectorImplementation<PveGuestRef>,
  'startGuest' | 'stopGuest' | 'shutdownGuest' | 'rebootGuest' | 'resetGuest' | 'suspendGuest' | 'resumeGuest'
> {
  const power =
    (action: PowerAction) =>
    (ref: PveGuestRef, { signal }: CallContext): Promise<Operation> =>
      onGuest(pve, ref, signal, async (node) => {
        const check = guestCheck(pve, ref, node, signal);
        // Both reads at once; a busy guest is reported before a wrong state, as when they ran one after the other.
        await inOrder([
          action === 'stop' ? undefined : guestPreconditions.idle(check),
          action === 'start'
            ? guestPreconditions.inState(check, ['stopped', 'suspended'], 'start')
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
      });
  return {
    startGuest: power('start'),
    stopGuest: power('stop'),
    shutdownGuest: power('shutdown'),
    rebootGuest: power('reboot'),
    resetGuest: power('reset'),
    suspendGuest: power('suspend'),
    resumeGuest: power('resume'),
  };
}

/** Waits for every check, then throws the first failure in the order given. */
async function inOrder(checks: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const outcomes = await Promise.allSettled(checks);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
}
