import {
  AlreadyExistsError,
  type Operation,
  type Snapshot,
  type SnapshotSpec,
} from '@hvc/hypervisor-connector';
import { copyConfig, type GuestRecord, type SnapshotRecord, toSnapshot } from './guest-record.js';
import type { MemoryContext } from './memory-context.js';
import { snapshotNotFound, stateConflict } from './memory-errors.js';
import { stateClause } from './power-transitions.js';

/** A guest's snapshots, oldest first. */
export function listMemorySnapshots(context: MemoryContext, guestId: string): Snapshot[] {
  return context.state.guest(guestId, context.origin).snapshots.map(toSnapshot);
}

/**
 * Takes a snapshot of the configuration as it is when the call is made; the snapshot is listed once the
 * operation (lock `snapshot`) succeeds. ALREADY_EXISTS for a name in use; CONFLICT for a template.
 * `includeMemory` needs a running guest (CONFLICT otherwise; the capability gate has already refused guest types
 * without memory snapshots); rolling back to such a snapshot leaves the guest running.
 */
export function createMemorySnapshot(context: MemoryContext, guestId: string, spec: SnapshotSpec): Operation {
  const { state, runner, clock } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  if (guest.template) {
    throw stateConflict(
      guest,
      `cannot snapshot guest ${guest.id}: it is a template`,
      context.origin,
      'template',
    );
  }
  if (guest.snapshots.some((snapshot) => snapshot.name === spec.name)) {
    throw new AlreadyExistsError(`guest ${guest.id} already has a snapshot named ${spec.name}`, {
      ...(context.origin.target === undefined ? {} : { target: context.origin.target }),
      details: { guestId: guest.id, snapshot: spec.name },
    });
  }
  if (spec.includeMemory) {
    if (guest.state !== 'running') {
      throw stateConflict(
        guest,
        `cannot save the memory of guest ${guest.id}: ${stateClause(guest.state)} (includeMemory needs a running guest)`,
        context.origin,
      );
    }
  }
  const snapshot: SnapshotRecord = {
    name: spec.name,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    createdAtMs: clock.now(),
    includesMemory: spec.includeMemory,
    config: copyConfig(guest.config),
  };
  return runner.start({
    type: 'snapshot.create',
    guestId: guest.id,
    node: guest.node,
    locks: () => [{ guest, name: 'snapshot' }],
    apply: () => {
      if (guest.currentSnapshot !== undefined) snapshot.parent = guest.currentSnapshot;
      guest.snapshots.push(snapshot);
      guest.currentSnapshot = snapshot.name;
    },
  });
}

/**
 * Rolls a guest back to a snapshot (lock `rollback`): its configuration becomes the one the snapshot captured,
 * and it is left running when the snapshot includes memory, stopped otherwise. NOT_FOUND for an unknown name.
 */
export function rollbackMemorySnapshot(context: MemoryContext, guestId: string, name: string): Operation {
  const { state, runner, clock } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  const snapshot = findSnapshot(context, guest, name);
  return runner.start({
    type: 'snapshot.rollback',
    guestId: guest.id,
    node: guest.node,
    locks: () => [{ guest, name: 'rollback' }],
    apply: () => {
      guest.config = copyConfig(snapshot.config);
      guest.currentSnapshot = snapshot.name;
      if (snapshot.includesMemory) {
        guest.state = 'running';
        guest.runningSinceMs = clock.now();
      } else {
        guest.state = 'stopped';
        delete guest.runningSinceMs;
      }
    },
  });
}

/**
 * Deletes a snapshot (lock `snapshot-delete`); its children take its parent as theirs. NOT_FOUND for an unknown
 * name.
 */
export function deleteMemorySnapshot(context: MemoryContext, guestId: string, name: string): Operation {
  const { state, runner } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  const snapshot = findSnapshot(context, guest, name);
  return runner.start({
    type: 'snapshot.delete',
    guestId: guest.id,
    node: guest.node,
    locks: () => [{ guest, name: 'snapshot-delete' }],
    apply: () => {
      guest.snapshots = guest.snapshots.filter((candidate) => candidate !== snapshot);
      for (const child of guest.snapshots) {
        if (child.parent !== snapshot.name) continue;
        if (snapshot.parent === undefined) delete child.parent;
        else child.parent = snapshot.parent;
      }
      if (guest.currentSnapshot !== snapshot.name) return;
      if (snapshot.parent === undefined) delete guest.currentSnapshot;
      else guest.currentSnapshot = snapshot.parent;
    },
  });
}

function findSnapshot(context: MemoryContext, guest: GuestRecord, name: string): SnapshotRecord {
  const snapshot = guest.snapshots.find((candidate) => candidate.name === name);
  if (snapshot === undefined) throw snapshotNotFound(guest, name, context.origin);
  return snapshot;
}
