import {
  ConflictError,
  InvalidArgumentError,
  isHypervisorError,
  NotFoundError,
  type Operation,
  type TemplateSourceSchema,
  type VmSpec,
} from '@hvc/hypervisor-connector';
import type { ChainStep as KitChainStep } from '@hvc/hypervisor-connector-kit';
import type { z } from 'zod';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { nextFreeSlot } from '../devices/device-slots.js';
import { readGuestConfig } from '../devices/guest-config-read.js';
import { guestPlacement } from '../guests/guest-placement.js';
import { guestPath } from '../guests/guest-scope.js';
import { withFreshVmid } from '../guests/vmid-allocator.js';
import { guestConfigFromPve } from '../mapping/guest-config-mapping.js';
import { guestIdOf, type PveGuestRef, parseGuestId } from '../mapping/guest-id.js';
import { vmCreateParams, vmNic } from '../mapping/guest-params.js';
import { startTask } from '../tasks/task-start.js';
import { type PveParamValue, pvePath } from '../transport/form-encoding.js';
import { type BootDevices, bootOrderParam } from './boot-order-param.js';
import { cloudInitParams } from './cloud-init-params.js';
import { checkBootDiskSize, SourceChecks } from './source-checks.js';

const GiB = 1024 ** 3;
/** Where a cloud-init drive goes when the VM has none: `ide2` unless an ISO took it (notes of qemu-server). */
const CLOUD_INIT_SLOTS = ['ide2', 'ide0', 'ide3', 'sata0'];

/** NOT_FOUND naming `nics.N.network` for a NIC on a network the node lacks. */
async function checkNetworks(checks: SourceChecks, spec: VmSpec): Promise<void> {
  for (const [index, nic] of spec.nics.entries()) await checks.network(nic.bridge, `nics.${index}.network`);
}

/**
 * A blank VM's storages and networks, checked before anything is written: NOT_FOUND naming `disks.N.storage` or
 * `nics.N.network`, CONFLICT `STORAGE_CONTENT` for a storage that holds no disks.
 */
export async function checkBlankVm(
  pve: ProxmoxContext,
  spec: VmSpec,
  node: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const checks = new SourceChecks(pve, node, signal);
  for (const [index, disk] of spec.disks.entries()) {
    if (disk.storage !== undefined) await checks.storage(disk.storage, `disks.${index}.storage`, ['disk']);
  }
  await checkNetworks(checks, spec);
}

/** Whether a VM spec asks for more than a blank VM: a source, cloud-init, a boot order or a guest agent. */
export function needsProvisioning(spec: VmSpec): boolean {
  return (
    spec.source !== undefined ||
    spec.cloudInit !== undefined ||
    spec.boot !== undefined ||
    spec.guestAgent !== undefined
  );
}

/**
 * Creates a VM from a spec with a source, cloud-init, a boot order or a guest agent. Everything is checked before the
 * first write (storages, the image or ISO, the template, the boot disk's size). The first request (create or clone)
 * is sent before this returns; what has to follow as PVE tasks of their own (configure a clone, grow the boot disk,
 * start) runs as one chained operation of steps with absolute values. A create that is one task returns that task.
 */
export async function provisionVm(
  pve: ProxmoxContext,
  spec: VmSpec,
  signal: AbortSignal | undefined,
): Promise<Operation> {
  // Hashing the password is CPU work of its own: done before the first request, not between two of them.
  const ci = spec.cloudInit === undefined ? {} : await cloudInitParams(spec.cloudInit);
  return spec.source?.kind === 'template'
    ? fromTemplate(pve, spec, spec.source, ci, signal)
    : fromCreate(pve, spec, ci, signal);
}

/** Chains `first` (already started) with `rest`; a lone task is returned as it is. */
function chained(
  pve: ProxmoxContext,
  guestId: string,
  first: Operation,
  rest: readonly KitChainStep[],
): Operation {
  if (rest.length === 0) return first;
  return pve.chains.start({ type: 'create', guestId }, [
    { type: first.type, run: async () => first },
    ...rest,
  ]);
}

/** The steps after the create or clone: grow the boot disk to an absolute size, then start. */
function followUps(
  pve: ProxmoxContext,
  ref: PveGuestRef,
  node: string,
  resize: { slot: string; bytes: number } | undefined,
  start: boolean,
): KitChainStep[] {
  const steps: KitChainStep[] = [];
  if (resize !== undefined) {
    steps.push({
      type: 'disk.resize',
      run: (signal) =>
        startTask(
          pve,
          {
            method: 'PUT',
            path: `${guestPath(ref, node)}/resize`,
            params: { disk: resize.slot, size: String(resize.bytes) },
            node,
            signal,
          },
          { type: 'disk.resize', guestId: ref.id, resourceId: resize.slot },
        ),
    });
  }
  if (start) {
    steps.push({
      type: 'start',
      run: (signal) =>
        startTask(
          pve,
          { method: 'POST', path: `${guestPath(ref, node)}/status/start`, node, signal },
          { type: 'start', guestId: ref.id },
        ),
    });
  }
  return steps;
}

/** The config keys that cloud-init, the guest agent and the boot order add to a create or a configure. */
function provisioningParams(
  spec: VmSpec,
  ci: Readonly<Record<string, PveParamValue>>,
  devices: BootDevices,
  defaultBoot: readonly NonNullable<VmSpec['boot']>[number][],
): Record<string, PveParamValue> {
  const params: Record<string, PveParamValue> = {};
  Object.assign(params, ci);
  if (spec.guestAgent !== undefined) params.agent = spec.guestAgent ? 1 : 0;
  const order = spec.boot ?? defaultBoot.filter((device) => devices[device] !== undefined);
  if (order.length > 0) params.boot = bootOrderParam(order, devices);
  return params;
}

/** An image, an ISO, or no source (with cloud-init, a boot order or an agent): one `POST /nodes/{node}/qemu`. */
async function fromCreate(
  pve: ProxmoxContext,
  spec: VmSpec,
  ci: Readonly<Record<string, PveParamValue>>,
  signal: AbortSignal | undefined,
): Promise<Operation> {
  const { defaultStorage, pool } = pve.config;
  const node = spec.node ?? (await guestPlacement(pve, signal));
  const checks = new SourceChecks(pve, node, signal);
  const source = spec.source;
  const bootStorage = spec.bootDisk?.storage ?? defaultStorage;
  let imageBytes: number | undefined;
  if (source?.kind === 'image') {
    await checks.storage(bootStorage, 'bootDisk.storage', ['disk']);
    imageBytes = await checks.volume(source.volumeId, 'source.volumeId', 'image', ['image', 'disk'], true);
    checkBootDiskSize(spec.bootDisk?.sizeGiB, imageBytes);
  } else if (source?.kind === 'iso') {
    await checks.volume(source.volumeId, 'source.volumeId', 'iso', ['iso'], false);
  }
  if (spec.cdrom !== undefined) await checks.volume(spec.cdrom, 'cdrom', 'iso', ['iso'], false);
  for (const [index, disk] of spec.disks.entries()) {
    if (disk.storage !== undefined) await checks.storage(disk.storage, `disks.${index}.storage`, ['disk']);
  }
  if (spec.cloudInit !== undefined) await checks.storage(bootStorage, 'bootDisk.storage', ['disk']);
  await checkNetworks(checks, spec);

  const cdrom = source?.kind === 'iso' ? source.volumeId : spec.cdrom;
  const grow =
    source?.kind === 'image' && spec.bootDisk?.sizeGiB !== undefined
      ? Math.ceil(spec.bootDisk.sizeGiB * GiB)
      : undefined;
  const resize =
    grow !== undefined && imageBytes !== undefined && grow > imageBytes
      ? { slot: 'scsi0', bytes: grow }
      : undefined;
  const startInCreate = spec.start && resize === undefined;

  return withFreshVmid(
    pve.client,
    async (vmid) => {
      const params: Record<string, PveParamValue> = {
        ...vmCreateParams({ ...spec, disks: [], cdrom, start: startInCreate }, vmid, defaultStorage, pool),
      };
      const offset = source?.kind === 'image' ? 1 : 0;
      if (source?.kind === 'image') params.scsi0 = `${bootStorage}:0,import-from=${source.volumeId}`;
      spec.disks.forEach((disk, index) => {
        params[`scsi${index + offset}`] = `${disk.storage ?? defaultStorage}:${disk.sizeGiB}`;
      });
      if (params.scsi0 !== undefined) params.scsihw = 'virtio-scsi-single';
      if (spec.cloudInit !== undefined) {
        const slot = CLOUD_INIT_SLOTS.find((s) => params[s] === undefined) as string;
        params[slot] = `${bootStorage}:cloudinit`;
      }
      const devices: BootDevices = {
        ...(params.scsi0 === undefined ? {} : { disk: 'scsi0' }),
        ...(cdrom === undefined ? {} : { cdrom: 'ide2' }),
        ...(spec.nics.length === 0 ? {} : { network: 'net0' }),
      };
      Object.assign(
        params,
        provisioningParams(
          spec,
          ci,
          devices,
          source?.kind === 'iso' ? ['cdrom', 'disk'] : ['disk', 'network'],
        ),
      );
      const guestId = guestIdOf('qemu', vmid);
      const created = await startTask(
        pve,
        { method: 'POST', path: pvePath('nodes', node, 'qemu'), params, node, signal },
        { type: 'create', guestId, ...(startInCreate ? { startFollows: true } : {}) },
      );
      const guestPool = spec.pool ?? pool;
      pve.locator.remember(guestId, { node, ...(guestPool ? { pool: guestPool } : {}) });
      const ref = parseGuestId(guestId);
      return chained(pve, guestId, created, followUps(pve, ref, node, resize, spec.start && !startInCreate));
    },
    signal,
    pve.vmids,
  );
}

/** A template source: clone, then configure the clone, grow its boot disk and start it, as one operation. */
async function fromTemplate(
  pve: ProxmoxContext,
  spec: VmSpec,
  source: z.output<typeof TemplateSourceSchema>,
  ci: Readonly<Record<string, PveParamValue>>,
  signal: AbortSignal | undefined,
): Promise<Operation> {
  const { defaultStorage, pool } = pve.config;
  const template = parseGuestId(source.guestId);
  const field = 'source.guestId';
  if (template.type !== 'qemu') {
    throw new InvalidArgumentError('a VM is cloned from a VM template', {
      ...pve.origin,
      violations: [{ field, message: 'not a VM (qemu/<vmid>)' }],
    });
  }
  const noTemplate = () =>
    new NotFoundError(`template ${template.id} not found`, {
      ...pve.origin,
      details: { resource: 'template', id: template.id, field },
    });
  const location = await pve.locator.locate(template, signal).catch((error: unknown) => {
    throw isHypervisorError(error, 'NOT_FOUND') ? noTemplate() : error;
  });
  const templateNode = location.node;
  const raw = await readGuestConfig(pve, template, templateNode, signal).catch((error: unknown) => {
    throw isHypervisorError(error, 'NOT_FOUND') ? noTemplate() : error;
  });
  const config = guestConfigFromPve(template.id, 'qemu', raw);
  if (source.mode === 'linked' && !config.template) {
    throw new ConflictError(`a linked clone needs a template: ${template.id} is none`, {
      ...pve.origin,
      retryable: false,
      details: { reason: 'NOT_A_TEMPLATE', guestId: template.id, field },
    });
  }
  const bootDisk = config.disks.find((disk) => disk.boot);
  checkBootDiskSize(spec.bootDisk?.sizeGiB, bootDisk?.sizeBytes);
  const node = spec.node ?? templateNode;
  const checks = new SourceChecks(pve, node, signal);
  if (spec.bootDisk?.storage !== undefined)
    await checks.storage(spec.bootDisk.storage, 'bootDisk.storage', ['disk']);
  for (const [index, disk] of spec.disks.entries()) {
    if (disk.storage !== undefined) await checks.storage(disk.storage, `disks.${index}.storage`, ['disk']);
  }
  await checkNetworks(checks, spec);

  // The clone's configuration, absolute values only, sent after the clone as one `POST .../config`.
  const next: Record<string, unknown> = { ...raw };
  // The template's CPU and memory stay unless the spec names sizes.
  const params: Record<string, PveParamValue> = {
    ...(spec.cpus === undefined ? {} : { cores: spec.cpus, sockets: 1 }),
    ...(spec.memoryMiB === undefined ? {} : { memory: spec.memoryMiB }),
    tags: spec.tags.length > 0 ? spec.tags.join(';') : undefined,
  };
  const deletes: string[] = [];
  if (spec.nics.length > 0) {
    spec.nics.forEach((nic, index) => {
      const kept = config.nics.find((n) => n.slot === `net${index}`)?.macAddress;
      const value = vmNic({ ...nic, ...(nic.macAddress === undefined && kept ? { macAddress: kept } : {}) });
      params[`net${index}`] = value;
      next[`net${index}`] = value;
    });
    for (const nic of config.nics) {
      if (Number(nic.slot.slice(3)) >= spec.nics.length) deletes.push(nic.slot);
    }
  }
  const bus = bootDisk === undefined ? 'scsi' : (/^[a-z]+/.exec(bootDisk.slot)?.[0] ?? 'scsi');
  for (const disk of spec.disks) {
    const slot = nextFreeSlot(next, bus === 'ide' ? 'scsi' : bus);
    if (slot === undefined) {
      throw new InvalidArgumentError(`the template has no free ${bus} slot for another disk`, {
        ...pve.origin,
        violations: [{ field: 'disks', message: `no free ${bus} slot` }],
      });
    }
    const value = `${disk.storage ?? defaultStorage}:${disk.sizeGiB}`;
    params[slot] = value;
    next[slot] = value;
  }
  if (spec.cloudInit !== undefined && !config.cdroms.some((cdrom) => cdrom.cloudInit)) {
    const slot = CLOUD_INIT_SLOTS.find((s) => next[s] === undefined);
    if (slot === undefined) {
      throw new InvalidArgumentError('the template has no free slot for a cloud-init drive', {
        ...pve.origin,
        violations: [{ field: 'cloudInit', message: 'no free ide/sata slot for the cloud-init drive' }],
      });
    }
    params[slot] = `${spec.bootDisk?.storage ?? bootDisk?.storage ?? defaultStorage}:cloudinit`;
    next[slot] = params[slot];
  }
  const iso = config.cdroms.find((cdrom) => !cdrom.cloudInit && cdrom.volumeId !== undefined);
  const devices: BootDevices = {
    ...(bootDisk === undefined ? {} : { disk: bootDisk.slot }),
    ...(iso === undefined ? {} : { cdrom: iso.slot }),
    ...(spec.nics.length > 0 || config.nics.length > 0 ? { network: 'net0' } : {}),
  };
  Object.assign(params, provisioningParams(spec, ci, devices, []));
  if (deletes.length > 0) params.delete = deletes.join(',');

  const resize =
    spec.bootDisk?.sizeGiB !== undefined &&
    bootDisk !== undefined &&
    spec.bootDisk.sizeGiB * GiB > bootDisk.sizeBytes
      ? { slot: bootDisk.slot, bytes: Math.ceil(spec.bootDisk.sizeGiB * GiB) }
      : undefined;

  return withFreshVmid(
    pve.client,
    async (newid) => {
      const guestId = guestIdOf('qemu', newid);
      const cloned = await startTask(
        pve,
        {
          method: 'POST',
          path: `${guestPath(template, templateNode)}/clone`,
          params: {
            newid,
            name: spec.name,
            full: source.mode === 'full',
            target: node === templateNode ? undefined : node,
            pool: spec.pool ?? pool,
            storage: source.mode === 'full' ? spec.bootDisk?.storage : undefined,
            description: spec.description,
          },
          node: templateNode,
          signal,
        },
        { type: 'clone', guestId },
      );
      const guestPool = spec.pool ?? pool;
      pve.locator.remember(guestId, { node, ...(guestPool ? { pool: guestPool } : {}) });
      const ref = parseGuestId(guestId);
      const configure: KitChainStep = {
        type: 'update',
        run: (stepSignal) =>
          startTask(
            pve,
            { method: 'POST', path: `${guestPath(ref, node)}/config`, params, node, signal: stepSignal },
            { type: 'update', guestId },
          ),
      };
      // PVE refuses a config call without changes (`no options specified`): a clone that keeps everything skips it.
      const configures = Object.values(params).some((value) => value !== undefined);
      return chained(pve, guestId, cloned, [
        ...(configures ? [configure] : []),
        ...followUps(pve, ref, node, resize, spec.start),
      ]);
    },
    signal,
    pve.vmids,
  );
}
