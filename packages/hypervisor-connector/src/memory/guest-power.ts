import { UnsupportedOperationError } from '../errors/error-classes.js';
import type { Operation } from '../model/operation.js';
import { type MemoryContext, requireMemoryCapability } from './memory-context.js';
import { stateConflict } from './memory-errors.js';
import { POWER_TRANSITIONS, type PowerAction, powerRefusal } from './power-transitions.js';

/**
 * Runs a power action: UNSUPPORTED without its capability (`reset`, `suspend` for suspend and resume; containers
 * have no hard reset), CONFLICT (retryable) while the guest is locked, CONFLICT (not retryable) from a state the
 * action does not accept (see {@link POWER_TRANSITIONS}) or when starting a template. The guest is locked with the
 * action's name until the operation ends; its new state is set when it succeeds.
 */
export function runPowerAction(context: MemoryContext, guestId: string, action: PowerAction): Operation {
  const { state, runner, clock } = context;
  if (action === 'reset') requireMemoryCapability(context, 'reset');
  if (action === 'suspend' || action === 'resume') requireMemoryCapability(context, 'suspend');
  const guest = state.unlockedGuest(guestId, context.origin);
  if (action === 'reset' && guest.type === 'container') {
    throw new UnsupportedOperationError(
      'reset',
      'unsupported: reset (containers have no hard reset; reboot them)',
      {
        ...(context.origin.target === undefined ? {} : { target: context.origin.target }),
      },
    );
  }
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
