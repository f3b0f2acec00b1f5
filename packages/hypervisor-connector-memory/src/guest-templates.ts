import type { Operation } from '@hvc/hypervisor-connector';
import type { MemoryContext } from './memory-context.js';
import { stateClause } from './power-transitions.js';
import { provisioningConflict } from './provisioning-errors.js';

/**
 * Makes a stopped guest a template, locked `template` while the operation runs. A template already is one: the
 * operation succeeds and changes nothing. CONFLICT (not retryable, reason `GUEST_RUNNING`) unless it is stopped;
 * CONFLICT (retryable) while another operation holds its lock. Starting a template is refused by `startGuest`.
 */
export function convertMemoryToTemplate(context: MemoryContext, guestId: string): Operation {
  const { state, runner } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  if (guest.state !== 'stopped') {
    throw provisioningConflict(
      'GUEST_RUNNING',
      `cannot make guest ${guest.id} a template: ${stateClause(guest.state)} (it must be stopped)`,
      { guestId: guest.id, state: guest.state },
      context.origin,
    );
  }
  return runner.start({
    type: 'template.convert',
    guestId: guest.id,
    node: guest.node,
    locks: () => [{ guest, name: 'template' }],
    apply: () => {
      guest.template = true;
    },
  });
}
