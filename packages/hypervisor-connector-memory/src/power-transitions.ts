import type { GuestState } from '@hvc/hypervisor-connector';
import type { PowerAction } from '@hvc/hypervisor-connector-kit';

interface PowerTransition {
  /** The states the action may start from. */
  readonly from: readonly GuestState[];
  /** The state once the action has succeeded. */
  readonly to: GuestState;
  /** How the message names the required state. */
  readonly needs: string;
}

/**
 * Which states each power action accepts and where it leaves the guest. `paused` is a guest frozen in memory
 * (`suspendGuest`), `suspended` one saved to disk (only reachable through the test hook); `stop` is the only action
 * allowed on a guest whose state is `unknown`, as pulling the plug always works.
 */
export const POWER_TRANSITIONS: Readonly<Record<PowerAction, PowerTransition>> = {
  start: { from: ['stopped', 'suspended'], to: 'running', needs: 'a stopped guest' },
  stop: {
    from: ['running', 'paused', 'suspended', 'unknown'],
    to: 'stopped',
    needs: 'a guest that is not stopped',
  },
  shutdown: { from: ['running'], to: 'stopped', needs: 'a running guest' },
  reboot: { from: ['running'], to: 'running', needs: 'a running guest' },
  reset: { from: ['running', 'paused'], to: 'running', needs: 'a running or paused guest' },
  suspend: { from: ['running'], to: 'paused', needs: 'a running guest' },
  resume: { from: ['paused', 'suspended'], to: 'running', needs: 'a paused or suspended guest' },
};

/**
 * Why `action` cannot run on a guest in `state`, or `undefined` when it can. A guest already where the action
 * would leave it gets "is already ..." (`start` on a running guest: "is already running").
 */
export function powerRefusal(guestId: string, action: PowerAction, state: GuestState): string | undefined {
  const transition = POWER_TRANSITIONS[action];
  if (transition.from.includes(state)) return undefined;
  if (state === transition.to) return `cannot ${action} guest ${guestId}: it is already ${state}`;
  return `cannot ${action} guest ${guestId}: ${stateClause(state)} (${action} needs ${transition.needs})`;
}

/** "it is running", or "its state is unknown": how refusals name a guest's state. */
export function stateClause(state: GuestState): string {
  return state === 'unknown' ? 'its state is unknown' : `it is ${state}`;
}
