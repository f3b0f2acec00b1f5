import type { Operation } from '@hvc/hypervisor-connector';
import type { PowerAction } from '@hvc/hypervisor-connector-kit';
import type { MemoryContext } from './memory-context.js';
import { stateConflict } from './memory-errors.js';
import { POWER_TRANSITIONS, powerRefusal } from './power-transitions.js';

/**
 * Runs a power action (its capability already checked by the gate): CONFLICT (retryable) while the guest is locked, CONFLICT (not retryable) from a state the
 * action does not accept (see {@link POWER_TRANSITIONS}) or when starting a template. The guest is locked with the
 * action's name until the operation ends; its new state is set when it succeeds.
 */
export function runPowerAction(context: MemoryContext, guestId: string, action: PowerAction): Operation {
  const { state, runner, clock } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  if (action === 'start' && guest.template) {
    throw stateConflict(
      guest,
      `cannot start guest ${guest.id}: it is a template`,
      context.origin,
      'template',
    );
  }
  const refusal = powerRefusal(guest.id, action, guest.state);
  if (refusal !== undefined) throw stateConflict(guest, refusal, context.origin);

  const { to } = POWER_TRANSITIONS[action];
  return runner.start({
    type: action,
    guestId: guest.id,
    node: guest.node,
    locks: () => [{ guest, name: action }],
    apply: () => {
      guest.state = to;
      if (to !== 'running' && to !== 'paused') delete guest.runningSinceMs;
      else if (action !== 'resume' && action !== 'suspend') guest.runningSinceMs = clock.now();
    },
  });
}
