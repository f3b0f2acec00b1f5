import { allPrivileges } from '../auth/privileges.js';
import type { PveGuestType } from '../state/model.js';

const QEMU_RULES: [RegExp, string][] = [
  [/^(cores|sockets|cpu|cpulimit|cpuunits|vcpus|numa\d*|affinity)$/, 'VM.Config.CPU'],
  [/^(memory|balloon|shares|allow-ksm)$/, 'VM.Config.Memory'],
  [
    /^(acpi|hotplug|kvm|machine|scsihw|smbios1|tablet|vga|watchdog|audio0|rng0|bios|localtime|vmgenid)$/,
    'VM.Config.HWType',
  ],
  [/^net\d+$/, 'VM.Config.Network'],
  [
    /^(ipconfig\d+|ciuser|cipassword|citype|ciupgrade|cicustom|sshkeys|nameserver|searchdomain)$/,
    'VM.Config.Cloudinit',
  ],
  [
    /^(scsi|virtio|sata|ide)\d+$|^(efidisk0|tpmstate0|boot|bootdisk|vmstatestorage|cdrom|unused\d+)$/,
    'VM.Config.Disk',
  ],
];
const LXC_RULES: [RegExp, string][] = [
  [/^(cores|cpulimit|cpuunits)$/, 'VM.Config.CPU'],
  [/^(memory|swap)$/, 'VM.Config.Memory'],
  [/^net\d+$|^(nameserver|searchdomain|hostname)$/, 'VM.Config.Network'],
  [/^(rootfs|mp\d+|unused\d+)$/, 'VM.Config.Disk'],
];

/** The privilege PVE asks for to change a config key (anything not listed is an option). */
export function privilegeForKey(type: PveGuestType, key: string): string {
  for (const [re, priv] of type === 'qemu' ? QEMU_RULES : LXC_RULES) if (re.test(key)) return priv;
  return 'VM.Config.Options';
}

/** The privileges any of which lets a caller reach a config update endpoint at all. */
export const CONFIG_PRIVILEGES = allPrivileges(9).filter((p) => p.startsWith('VM.Config.'));
