import {
  type CallOptions,
  ConflictError,
  type Guest,
  type GuestConfig,
  type GuestSpec,
  type GuestSpecInput,
  GuestSpecSchema,
  type HypervisorConnector,
  hasCapability,
  type Operation,
  parseInput,
  vmSizeOrDefaults,
} from '@hvc/hypervisor-connector';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** One difference `ensureGuest` found between a guest and its spec, and what it did about it. */
export interface EnsureChange {
  /** The spec's field: `cpus`, `memoryMiB`, `tags`, `disks.1.sizeGiB`, `nics.2`, `state`... */
  readonly field: string;
  readonly from?: unknown;
  readonly to?: unknown;
  /**
   * `now`: done; `on-restart`: written to the configuration, effective at the guest's next start (it runs);
   * `not-applied`: it would need the guest made again (a smaller disk, another source) and was left as it is.
   */
  readonly applied: 'now' | 'on-restart' | 'not-applied';
}

/** What `ensureGuest` did. */
export interface EnsureResult {
  readonly guestId: string;
  readonly created: boolean;
  readonly changes: readonly EnsureChange[];
  /** The operations it ran, each waited for to its end. */
  readonly operations: readonly Operation[];
}

/**
 * Converges the guest named `spec.name` to `spec` on any connector: creates it when no guest (templates aside) has
 * that name; otherwise changes what differs and the connector can change — CPUs, memory, tags, disk sizes (grow only),
 * missing NICs, and starts it when `spec.start` asks — and reports every difference, also those it cannot apply.
 * Two guests with the name: CONFLICT (`AMBIGUOUS_NAME`, with their ids), nothing changed. Each step is absolute
 * (sizes, counts, values), so running it again after a failure picks up where it stopped. Writes carry
 * `options.idempotencyKey` suffixed per step, so a retried call with the same key repeats no step.
 */
export async function ensureGuest(
  connector: HypervisorConnector,
  input: GuestSpecInput,
  options: CallOptions = {},
): Promise<EnsureResult> {
  const spec = parseInput(GuestSpecSchema, input, 'guest spec');
  const step = (name: string): CallOptions => ({
    ...options,
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: `${options.idempotencyKey}/${name}` }),
  });
  const operations: Operation[] = [];
  const run = async (started: Promise<Operation | undefined>) => {
    const operation = await started;
    if (operation === undefined) return;
    const ended = await connector.waitForOperation(operation.id, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    operations.push(ended);
  };

  const named = (
    await connector.listGuests({ namePrefix: spec.name, type: spec.type, templates: false }, options)
  ).filter((guest) => guest.name === spec.name);
  if (named.length > 1) {
    throw new ConflictError(
      `${named.length} guests are named ${spec.name}: ensureGuest needs one name per guest`,
      {
        retryable: false,
        details: { reason: 'AMBIGUOUS_NAME', guestIds: named.map((guest) => guest.id) },
      },
    );
  }
  const existing = named[0];
  if (existing === undefined) {
    const created = await connector.createGuest(input, step('create'));
    await run(Promise.resolve(created));
    return { guestId: created.guestId ?? '', created: true, changes: [], operations };
  }

  const changes: EnsureChange[] = [];
  const running = existing.state === 'running';
  const effect = running ? 'on-restart' : 'now';
  const patch = resourcePatch(existing, spec);
  if (Object.keys(patch.values).length > 0) {
    await run(connector.updateGuest(existing.id, patch.values, step('update')));
    for (const change of patch.changes) {
      changes.push({ ...change, applied: change.field === 'tags' ? 'now' : effect });
    }
  }
  const capabilities = connector.capabilities;
  if (hasCapability(capabilities, 'guestConfig', existing.type)) {
    const config = await connector.getGuestConfig(existing.id, options);
    for (const change of diskChanges(config, spec)) {
      if (change.applied === 'now' && change.slot !== undefined) {
        await run(
          connector.resizeDisk(
            existing.id,
            change.slot,
            { sizeGiB: change.to as number },
            step(change.field),
          ),
        );
      }
      changes.push({ field: change.field, from: change.from, to: change.to, applied: change.applied });
    }
    for (let index = config.nics.length; index < spec.nics.length; index += 1) {
      const nic = spec.nics[index]!;
      const applied = hasCapability(capabilities, 'nics.add', existing.type) ? 'now' : 'not-applied';
      if (applied === 'now') await run(connector.addNic(existing.id, nic, step(`nics.${index}`)));
      changes.push({ field: `nics.${index}`, to: nic.bridge, applied });
    }
  }
  if (spec.start && existing.state === 'stopped') {
    await run(connector.startGuest(existing.id, step('start')));
    changes.push({ field: 'state', from: existing.state, to: 'running', applied: 'now' });
  }
  return { guestId: existing.id, created: false, changes, operations };
}

/** The CPU, memory and tag differences, as a patch and as changes. */
function resourcePatch(guest: Guest, spec: GuestSpec) {
  const values: { cpus?: number; memoryMiB?: number; tags?: string[] } = {};
  const changes: { field: string; from: unknown; to: unknown }[] = [];
  // A VM from a template keeps the template's sizes where its spec names none: nothing to converge there.
  const wanted =
    spec.type === 'vm' && spec.source?.kind === 'template'
      ? { cpus: spec.cpus, memoryMiB: spec.memoryMiB }
      : vmSizeOrDefaults(spec);
  if (wanted.cpus !== undefined && guest.resources.cpus !== wanted.cpus) {
    values.cpus = wanted.cpus;
    changes.push({ field: 'cpus', from: guest.resources.cpus, to: wanted.cpus });
  }
  const memoryMiB = Math.round(guest.resources.memoryBytes / MIB);
  if (wanted.memoryMiB !== undefined && memoryMiB !== wanted.memoryMiB) {
    values.memoryMiB = wanted.memoryMiB;
    changes.push({ field: 'memoryMiB', from: memoryMiB, to: wanted.memoryMiB });
  }
  const tags = [...spec.tags].sort();
  if (tags.join(',') !== [...guest.tags].sort().join(',')) {
    values.tags = tags;
    changes.push({ field: 'tags', from: [...guest.tags], to: tags });
  }
  return { values, changes };
}

/** A disk whose size differs from the spec's. */
interface DiskChange {
  readonly field: string;
  readonly from?: number;
  readonly to: number;
  /** The slot to resize, when growing it is possible. */
  readonly slot?: string;
  readonly applied: 'now' | 'not-applied';
}

/**
 * Disk sizes to grow, by the spec's disks in order: without a source every disk of the guest is one of
 * `spec.disks`; with a template or image source the boot disk comes first (sized by `bootDisk`, kept as it is when
 * that has no size) and `disks` follow it. A disk larger than asked stays (disks only grow); a disk the guest lacks
 * is reported, not added.
 */
function diskChanges(config: GuestConfig, spec: GuestSpec): DiskChange[] {
  const wanted: { field: string; sizeGiB: number | undefined }[] = [];
  if (spec.type === 'vm' && (spec.source?.kind === 'template' || spec.source?.kind === 'image')) {
    wanted.push({ field: 'bootDisk.sizeGiB', sizeGiB: spec.bootDisk?.sizeGiB });
  }
  spec.disks.forEach((disk, index) => {
    wanted.push({ field: `disks.${index}.sizeGiB`, sizeGiB: disk.sizeGiB });
  });
  // The boot disk first, then the others in the order the hypervisor lists them.
  const disks = [...config.disks].sort((a, b) => Number(b.boot) - Number(a.boot));
  const changes: DiskChange[] = [];
  wanted.forEach(({ field, sizeGiB }, index) => {
    if (sizeGiB === undefined) return;
    const disk = disks[index];
    if (disk === undefined) {
      changes.push({ field, to: sizeGiB, applied: 'not-applied' });
      return;
    }
    const from = disk.sizeBytes / GIB;
    if (from === sizeGiB) return;
    changes.push({
      field,
      from,
      to: sizeGiB,
      slot: disk.slot,
      applied: from < sizeGiB ? 'now' : 'not-applied',
    });
  });
  return changes;
}
