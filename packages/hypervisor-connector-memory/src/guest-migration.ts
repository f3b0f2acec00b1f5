import type { MigrateSpec, Operation } from '@hvc/hypervisor-connector';
import { type MemoryContext, requireMemoryCapability } from './memory-context.js';
import { invalidField, stateConflict } from './memory-errors.js';
import { stateClause } from './power-transitions.js';

/**
 * Moves a guest to another node; the guest is locked `migrate` and its `node` changes when the operation succeeds.
 * `online` defaults to whether the guest is active (running or paused). Online needs the `migration.live`
 * capability and an active guest; offline needs `migration.offline` and a guest that is not active. An unknown
 * target node is NOT_FOUND, the node the guest is already on INVALID_ARGUMENT.
 */
export function migrateMemoryGuest(context: MemoryContext, guestId: string, spec: MigrateSpec): Operation {
  const { state, runner } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  state.requireNode(spec.targetNode, context.origin);
  if (spec.targetNode === guest.node) {
    throw invalidField('targetNode', `guest ${guest.id} is already on node ${guest.node}`, context.origin);
  }
  const active = guest.state === 'running' || guest.state === 'paused';
  const online = spec.online ?? active;
  requireMemoryCapability(context, online ? 'migration.live' : 'migration.offline', guest.type);
  if (online && !active) {
    throw stateConflict(
      guest,
      `cannot migrate guest ${guest.id} online: ${stateClause(guest.state)} (online migration needs a running guest)`,
      context.origin,
    );
  }
  if (!online && active) {
    throw stateConflict(
      guest,
      `cannot migrate guest ${guest.id} offline: ${stateClause(guest.state)} (stop it first or migrate online)`,
      context.origin,
    );
  }
  const from = guest.node;
  return runner.start({
    type: 'migrate',
    guestId: guest.id,
    node: from,
    locks: () => [{ guest, name: 'migrate' }],
    apply: () => {
      guest.node = spec.targetNode;
    },
  });
}
