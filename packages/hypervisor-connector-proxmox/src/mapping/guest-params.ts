import {
  type CloneSpec,
  type ContainerSpec,
  type GuestPatch,
  type NicSpec,
  type VmSpec,
  vmSizeOrDefaults,
} from '@hvc/hypervisor-connector';
import type { PveParams, PveParamValue } from '../transport/form-encoding.js';
import type { PveGuestType } from './guest-id.js';
import { proxmoxParams } from './provider-options.js';

const OS_TYPES: Record<VmSpec['osType'], string> = { linux: 'l26', windows: 'win11', other: 'other' };

/** A VM NIC as `netN` takes it: `virtio=<MAC>,bridge=vmbr0,tag=10,firewall=1`. */
export function vmNic(nic: Omit<NicSpec, 'slot'>): string {
  const model = nic.model ?? 'virtio';
  return [
    nic.macAddress ? `${model}=${nic.macAddress.toUpperCase()}` : model,
    `bridge=${nic.bridge}`,
    ...(nic.vlan === undefined ? [] : [`tag=${nic.vlan}`]),
    ...(nic.firewall === undefined ? [] : [`firewall=${nic.firewall ? 1 : 0}`]),
  ].join(',');
}

function containerNic(nic: NicSpec, index: number): string {
  return [
    `name=eth${index}`,
    `bridge=${nic.bridge}`,
    'ip=dhcp',
    ...(nic.vlan === undefined ? [] : [`tag=${nic.vlan}`]),
    ...(nic.macAddress ? [`hwaddr=${nic.macAddress.toUpperCase()}`] : []),
    ...(nic.firewall === undefined ? [] : [`firewall=${nic.firewall ? 1 : 0}`]),
  ].join(',');
}

/** The `POST /nodes/{node}/qemu` parameters of a VM spec. */
export function vmCreateParams(spec: VmSpec, vmid: number, defaultStorage: string, pool?: string): PveParams {
  const size = vmSizeOrDefaults(spec);
  const params: Record<string, PveParamValue> = {
    vmid,
    name: spec.name,
    cores: size.cpus,
    memory: size.memoryMiB,
    ostype: OS_TYPES[spec.osType],
    bios: spec.firmware === 'uefi' ? 'ovmf' : 'seabios',
    tags: spec.tags.length > 0 ? spec.tags.join(';') : undefined,
    pool: spec.pool ?? pool,
    description: spec.description,
    start: spec.start ? true : undefined,
  };
  if (spec.disks.length > 0) params.scsihw = 'virtio-scsi-single';
  spec.disks.forEach((disk, index) => {
    params[`scsi${index}`] = `${disk.storage ?? defaultStorage}:${disk.sizeGiB}`;
  });
  spec.nics.forEach((nic, index) => {
    params[`net${index}`] = vmNic(nic);
  });
  if (spec.cdrom) params.ide2 = `${spec.cdrom},media=cdrom`;
  return { ...params, ...proxmoxParams(spec.providerOptions, 'providerOptions') };
}

/** The `POST /nodes/{node}/lxc` parameters of a container spec. The password goes in the body only. */
export function containerCreateParams(
  spec: ContainerSpec,
  vmid: number,
  defaultStorage: string,
  pool?: string,
): PveParams {
  const [root, ...mounts] = spec.disks;
  const params: Record<string, PveParamValue> = {
    vmid,
    hostname: spec.name,
    ostemplate: spec.osTemplate,
    cores: spec.cpus,
    memory: spec.memoryMiB,
    unprivileged: spec.unprivileged,
    rootfs: `${root?.storage ?? defaultStorage}:${root?.sizeGiB ?? 8}`,
    tags: spec.tags.length > 0 ? spec.tags.join(';') : undefined,
    pool: spec.pool ?? pool,
    description: spec.description,
    password: spec.password,
    'ssh-public-keys': spec.sshPublicKeys?.join('\n'),
    start: spec.start ? true : undefined,
  };
  mounts.forEach((disk, index) => {
    params[`mp${index}`] = `${disk.storage ?? defaultStorage}:${disk.sizeGiB},mp=/mnt/disk${index + 1}`;
  });
  spec.nics.forEach((nic, index) => {
    params[`net${index}`] = containerNic(nic, index);
  });
  return { ...params, ...proxmoxParams(spec.providerOptions, 'providerOptions') };
}

/** The `POST .../clone` parameters. */
export function cloneParams(type: PveGuestType, spec: CloneSpec, newid: number, pool?: string): PveParams {
  return {
    newid,
    [type === 'qemu' ? 'name' : 'hostname']: spec.name,
    full: spec.mode === 'full',
    target: spec.targetNode,
    snapname: spec.snapshot,
    pool: spec.pool ?? pool,
    storage: spec.storage,
    description: spec.description,
    ...proxmoxParams(spec.providerOptions, 'providerOptions'),
  };
}

/** The `PUT .../config` parameters of a patch; `ifMatch` becomes PVE's `digest` check. */
export function patchParams(type: PveGuestType, patch: GuestPatch): PveParams {
  const remove = [
    ...(patch.tags !== undefined && patch.tags.length === 0 ? ['tags'] : []),
    ...(patch.description === '' ? ['description'] : []),
  ];
  return {
    [type === 'qemu' ? 'name' : 'hostname']: patch.name,
    cores: patch.cpus,
    memory: patch.memoryMiB,
    description: patch.description === '' ? undefined : patch.description,
    tags: patch.tags !== undefined && patch.tags.length > 0 ? patch.tags.join(';') : undefined,
    delete: remove.length > 0 ? remove.join(',') : undefined,
    digest: patch.ifMatch,
    ...proxmoxParams(patch.providerOptions, 'providerOptions'),
  };
}
