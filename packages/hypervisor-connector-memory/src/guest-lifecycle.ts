import type { CloneSpec, GuestPatch, GuestSpec, Operation } from '@hvc/hypervisor-connector';
import { macAddressFor } from './guest-devices.js';
import { resolveSpec } from './guest-layout.js';
import { copyConfig, type GuestConfig, type GuestRecord } from './guest-record.js';
import { InventoryLookup } from './inventory-lookup.js';
import { type MemoryContext, requireMemoryCapability } from './memory-context.js';
import { invalidField, requireIfMatch, snapshotNotFound, stateConflict } from './memory-errors.js';
import { stateClause } from './power-transitions.js';

/**
 * Creates a guest: it is listed at once, stopped and locked `create`, and unlocked when the operation succeeds
 * (started too when `spec.start`). A failed or cancelled create removes it again. What the spec names (storages,
 * networks, a template, image or ISO source) is checked against the inventory first (see {@link resolveSpec}); a
 * template source is locked `clone` while the operation runs.
 */
export function createMemoryGuest(context: MemoryContext, spec: GuestSpec): Operation {
  const { state, runner, clock } = context;
  const node = spec.node ?? state.nodes[0]!;
  state.requireNode(node, context.origin);
  const resolved = resolveSpec(context, spec, node);
  const template = resolved.template;
  const linked = spec.type === 'vm' && spec.source?.kind === 'template' && spec.source.mode === 'linked';

  const { id, vmid } = state.allocateId(spec.type);
  const record: GuestRecord = {
    id,
    vmid,
    type: spec.type,
    node,
    state: 'stopped',
    template: false,
    ...(spec.pool === undefined ? {} : { pool: spec.pool }),
    config: resolved.config(vmid),
    snapshots: [],
    ...(linked && template !== undefined ? { linkedFrom: template.id } : {}),
  };
  return runner.start({
    type: 'create',
    guestId: id,
    node,
    begin: () => state.add(record),
    locks: () => [
      { guest: record, name: 'create' },
      ...(template === undefined ? [] : [{ guest: template, name: 'clone' }]),
    ],
    apply: () => {
      if (!spec.start) return;
      record.state = 'running';
      record.runningSinceMs = clock.now();
    },
    abandon: () => state.remove(id),
  });
}

/**
 * Clones a guest into a new, stopped one. The source is locked `clone` and the clone `create` while it runs; a
 * failed or cancelled clone removes the new guest. A linked clone needs a template as its source: anything else is
 * CONFLICT (not retryable, reason `template`), as it is the source's state, not the request, that is wrong.
 */
export function cloneMemoryGuest(context: MemoryContext, sourceId: string, spec: CloneSpec): Operation {
  const { state, runner } = context;
  const source = state.unlockedGuest(sourceId, context.origin);
  requireMemoryCapability(context, `guestTypes.${source.type}`);
  if (spec.mode === 'linked' && !source.template) {
    throw stateConflict(
      source,
      `cannot make a linked clone of guest ${source.id}: it is not a template`,
      context.origin,
      'template',
    );
  }
  if (spec.mode === 'linked' && spec.storage !== undefined) {
    throw invalidField('storage', "a linked clone stays on its template's storage", context.origin);
  }
  const node = spec.targetNode ?? source.node;
  state.requireNode(node, context.origin);
  if (spec.storage !== undefined) {
    const content = source.type === 'vm' ? 'disk' : 'container-rootfs';
    new InventoryLookup(context, node).storage(spec.storage, 'storage', content);
  }
  const base = spec.snapshot === undefined ? source.config : snapshotConfig(context, source, spec.snapshot);

  const config = copyConfig(base);
  config.name = spec.name ?? cloneName(source.config.name);
  if (spec.description !== undefined) config.description = spec.description;
  if (spec.storage !== undefined)
    config.disks = config.disks.map((disk) => ({ ...disk, storage: spec.storage }));
  const pool = spec.pool ?? source.pool;

  const { id, vmid } = state.allocateId(source.type);
  config.nics = config.nics.map((nic, index) => ({ ...nic, macAddress: macAddressFor(vmid, index) }));
  const clone: GuestRecord = {
    id,
    vmid,
    type: source.type,
    node,
    state: 'stopped',
    template: false,
    ...(pool === undefined ? {} : { pool }),
    config,
    snapshots: [],
    ...(spec.mode === 'linked' ? { linkedFrom: source.id } : {}),
  };
  return runner.start({
    type: 'clone',
    guestId: id,
    node: source.node,
    begin: () => state.add(clone),
    locks: () => [
      { guest: source, name: 'clone' },
      { guest: clone, name: 'create' },
    ],
    apply: () => {},
    abandon: () => state.remove(id),
  });
}

/**
 * Changes a guest's configuration at once (the memory connector has no asynchronous updates, so it returns
 * `undefined`). CONFLICT while the guest is locked; with `ifMatch`, CONFLICT (not retryable, reason `digest`)
 * unless it equals the current `guest.raw.digest`.
 */
export function updateMemoryGuest(context: MemoryContext, guestId: string, patch: GuestPatch): undefined {
  const guest = context.state.unlockedGuest(guestId, context.origin);
  requireIfMatch(guest, patch.ifMatch, context.origin);
  const { config } = guest;
  if (patch.name !== undefined) config.name = patch.name;
  if (patch.cpus !== undefined) config.cpus = patch.cpus;
  if (patch.memoryMiB !== undefined) config.memoryMiB = patch.memoryMiB;
  if (patch.description !== undefined) config.description = patch.description;
  if (patch.tags !== undefined) config.tags = [...patch.tags];
  return undefined;
}

/**
 * Deletes a stopped guest with its snapshots; it is locked `delete` until the operation succeeds and gone
 * afterwards. CONFLICT when it is not stopped, or when it is a template that linked clones still use.
 */
export function deleteMemoryGuest(context: MemoryContext, guestId: string): Operation {
  const { state, runner } = context;
  const guest = state.unlockedGuest(guestId, context.origin);
  if (guest.state !== 'stopped') {
    throw stateConflict(
      guest,
      `cannot delete guest ${guest.id}: ${stateClause(guest.state)} (delete needs a stopped guest)`,
      context.origin,
    );
  }
  const clones = state.linkedClonesOf(guest.id);
  if (clones.length > 0) {
    throw stateConflict(
      guest,
      `cannot delete template ${guest.id}: linked clones use it (${clones.map((clone) => clone.id).join(', ')})`,
      context.origin,
      'linked-clones',
    );
  }
  return runner.start({
    type: 'delete',
    guestId: guest.id,
    node: guest.node,
    locks: () => [{ guest, name: 'delete' }],
    apply: () => state.remove(guest.id),
  });
}

function snapshotConfig(context: MemoryContext, guest: GuestRecord, name: string): GuestConfig {
  const snapshot = guest.snapshots.find((candidate) => candidate.name === name);
  if (snapshot === undefined) throw snapshotNotFound(guest, name, context.origin);
  return snapshot.config;
}

/** `<name>-clone`, shortened so it stays a valid guest name. */
function cloneName(name: string): string {
  return `${name.slice(0, 122).replace(/[.-]+$/, '')}-clone`;
}
