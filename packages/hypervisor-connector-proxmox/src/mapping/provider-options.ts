import { InvalidArgumentError, type ProviderOptions } from '@hvc/hypervisor-connector';
import type { ProviderOptionsSchemas } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';
import type { PveParams, PveParamValue } from '../transport/form-encoding.js';

/*
 * The parameters of the PVE calls `providerOptions.proxmox` feeds, from Proxmox's API schemas of PVE 8 and 9 (QEMU
 * and LXC together; `node` and `vmid` are in the path). `name[n]` is a numbered family: `net0`, `net1`, ...
 */
const CREATE = `
  acpi affinity agent allow-ksm amd-sev arch archive args audio0 autostart balloon bios boot bootdisk
  bwlimit cdrom cicustom cipassword citype ciupgrade ciuser cmode console cores cpu cpulimit cpuunits
  debug description dev[n] efidisk0 entrypoint env features force freeze ha-managed hookscript hostname
  hostpci[n] hotplug hugepages ide[n] ignore-unpack-errors import-working-storage intel-tdx ipconfig[n]
  ivshmem keephugepages keyboard kvm live-restore localtime lock machine memory migrate_downtime
  migrate_speed mp[n] name nameserver net[n] numa numa[n] onboot ostemplate ostype parallel[n] password
  pool protection reboot restore rng0 rootfs sata[n] scsi[n] scsihw searchdomain serial[n] shares smbios1
  smp sockets spice_enhancements ssh-public-keys sshkeys start startdate startup storage swap tablet tags
  tdf template timezone tpmstate0 tty unique unprivileged unused[n] usb[n] vcpus vga virtio[n] virtiofs[n]
  vmgenid vmstatestorage watchdog
`;
const CLONE = `
  bwlimit description format full hostname name newid pool snapname storage target
`;
const UPDATE = `
  acpi affinity agent allow-ksm amd-sev arch args audio0 autostart background_delay balloon bios boot
  bootdisk cdrom cicustom cipassword citype ciupgrade ciuser cmode console cores cpu cpulimit cpuunits
  debug delete description dev[n] digest efidisk0 entrypoint env features force freeze hookscript hostname
  hostpci[n] hotplug hugepages ide[n] import-working-storage intel-tdx ipconfig[n] ivshmem keephugepages
  keyboard kvm localtime lock machine memory migrate_downtime migrate_speed mp[n] name nameserver net[n]
  numa numa[n] onboot ostype parallel[n] protection reboot revert rng0 rootfs sata[n] scsi[n] scsihw
  searchdomain serial[n] shares skiplock smbios1 smp sockets spice_enhancements sshkeys startdate startup
  swap tablet tags tdf template timezone tpmstate0 tty unprivileged unused[n] usb[n] vcpus vga virtio[n]
  virtiofs[n] vmgenid vmstatestorage watchdog
`;
const MIGRATE = `
  bwlimit force migration_network migration_type online restart target target-storage targetstorage
  timeout with-conntrack-state with-local-disks
`;

/** A key shown in an error: printable and short, as it is the caller's. */
function printable(key: string): string {
  const clean = key.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 61)}...` : clean;
}

/** The known parameter closest to a misspelled one (at most two edits away), for the error's hint. */
function closest(key: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(key, name);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The schema of `providerOptions.proxmox` for one call: PVE parameter names of that call only (a misspelled one is
 * an issue naming it, with the closest known name), values strings, numbers or booleans.
 */
function pveParameters(list: string): z.ZodType<Readonly<Record<string, PveParamValue>>> {
  const names = list.split(/\s+/).filter(Boolean);
  const exact = names.filter((name) => !name.endsWith('[n]'));
  const families = names.filter((name) => name.endsWith('[n]')).map((name) => name.slice(0, -3));
  const known = new Set(exact);
  const isKnown = (key: string) =>
    known.has(key) ||
    families.some((family) => key.startsWith(family) && /^\d{1,3}$/.test(key.slice(family.length)));
  const hints = [...exact, ...families.map((family) => `${family}0`)];
  // One pass over the keys, so an unknown name and a bad value are reported together.
  const schema = z.record(z.string(), z.unknown()).superRefine((options, context) => {
    for (const [key, value] of Object.entries(options)) {
      if (!isKnown(key)) {
        const hint = closest(key, hints);
        const message = `not a parameter of this PVE call${hint === undefined ? '' : ` (did you mean ${hint}?)`}`;
        context.addIssue({ code: 'custom', path: [printable(key)], message });
      } else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        context.addIssue({ code: 'custom', path: [key], message: 'must be a string, number or boolean' });
      }
    }
  });
  return schema as z.ZodType<Readonly<Record<string, PveParamValue>>>;
}

/**
 * What `providerOptions.proxmox` may hold on each method, checked by `defineConnector` before anything is sent: the
 * parameters of the PVE call the method makes, for QEMU or LXC.
 */
export const PROXMOX_PROVIDER_OPTIONS: ProviderOptionsSchemas = {
  createGuest: pveParameters(CREATE),
  cloneGuest: pveParameters(CLONE),
  updateGuest: pveParameters(UPDATE),
  migrateGuest: pveParameters(MIGRATE),
};

/**
 * The `providerOptions.proxmox` of an input: extra PVE parameters sent as they are (the escape hatch for what the
 * contract does not model). Values must be strings, numbers or booleans.
 */
export function proxmoxParams(options: ProviderOptions | undefined, field: string): PveParams {
  const extra = options?.proxmox ?? {};
  const params: Record<string, PveParamValue> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(key)) {
      throw new InvalidArgumentError(`invalid ${field}: not a PVE parameter name`, {
        violations: [{ field: `${field}.proxmox.${key.slice(0, 64)}`, message: 'not a PVE parameter name' }],
      });
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new InvalidArgumentError(`invalid ${field}: PVE parameters are strings, numbers or booleans`, {
        violations: [{ field: `${field}.proxmox.${key}`, message: 'must be a string, number or boolean' }],
      });
    }
    params[key] = value;
  }
  return params;
}
