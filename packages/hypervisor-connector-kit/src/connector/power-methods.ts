import type { Operation } from '@hvc/hypervisor-connector';
import type { CallContext } from './call-context.js';
import type { ConnectorImplementation } from './connector-implementation.js';

/** The power actions of the contract; each is also the type of the operation it starts. */
export const POWER_ACTIONS = ['start', 'stop', 'shutdown', 'reboot', 'reset', 'suspend', 'resume'] as const;

/** One of {@link POWER_ACTIONS}. */
export type PowerAction = (typeof POWER_ACTIONS)[number];

/** The seven power methods of a connector implementation. */
export type PowerMethods<Ref> = Required<
  Pick<
    ConnectorImplementation<Ref>,
    | 'startGuest'
    | 'stopGuest'
    | 'shutdownGuest'
    | 'rebootGuest'
    | 'resetGuest'
    | 'suspendGuest'
    | 'resumeGuest'
  >
>;

/**
 * The seven power methods from one function that takes the action: for connectors whose power calls differ only
 * in the action they send. Capabilities still decide which of them the gate lets through.
 */
export function powerMethods<Ref>(
  power: (action: PowerAction, guest: Ref, context: CallContext) => Promise<Operation>,
): PowerMethods<Ref> {
  return {
    startGuest: (guest, context) => power('start', guest, context),
    stopGuest: (guest, context) => power('stop', guest, context),
    shutdownGuest: (guest, context) => power('shutdown', guest, context),
    rebootGuest: (guest, context) => power('reboot', guest, context),
    resetGuest: (guest, context) => power('reset', guest, context),
    suspendGuest: (guest, context) => power('suspend', guest, context),
    resumeGuest: (guest, context) => power('resume', guest, context),
  };
}
