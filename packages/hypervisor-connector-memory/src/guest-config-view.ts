import type { GuestConfig as ContractGuestConfig } from '@hvc/hypervisor-connector';
import { configDigest, type GuestRecord } from './guest-record.js';

const GIB = 1024 ** 3;

/** A guest's devices, boot order and cloud-init settings (no secret: they are never kept) as the contract shows them. */
export function toGuestConfig(record: GuestRecord): ContractGuestConfig {
  const { config } = record;
  const firmware = config.settings.firmware;
  return structuredClone({
    guestId: record.id,
    cpus: config.cpus,
    memoryMiB: config.memoryMiB,
    ...(firmware === 'bios' || firmware === 'uefi' ? { firmware } : {}),
    ...(config.boot === undefined ? {} : { boot: config.boot }),
    disks: config.disks.map((disk) => ({
      slot: disk.slot,
      sizeBytes: Math.round(disk.sizeGiB * GIB),
      ...(disk.storage === undefined ? {} : { storage: disk.storage }),
      ...(disk.volumeId === undefined ? {} : { volumeId: disk.volumeId }),
      boot: disk.boot ?? false,
    })),
    cdroms: (config.cdroms ?? []).map((cdrom) => ({ ...cdrom })),
    nics: config.nics.map((nic) => ({
      slot: nic.slot,
      network: nic.bridge,
      macAddress: nic.macAddress,
      ...(nic.model === undefined ? {} : { model: nic.model }),
      ...(nic.vlan === undefined ? {} : { vlan: nic.vlan }),
      ...(nic.firewall === undefined ? {} : { firewall: nic.firewall }),
    })),
    ...(config.cloudInit === undefined ? {} : { cloudInit: config.cloudInit }),
    ...(config.guestAgent === undefined ? {} : { guestAgent: config.guestAgent }),
    template: record.template,
    digest: configDigest(record),
    raw: { vmid: record.vmid, node: record.node, template: record.template, config },
  });
}
