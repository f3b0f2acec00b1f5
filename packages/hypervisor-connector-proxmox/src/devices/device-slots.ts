/** How many slots each VM device prefix has (qemu-server `Drive.pm` `$MAX_*_DISKS`, `Network.pm` `$MAX_NETS`). */
const SLOT_COUNTS: Readonly<Record<string, number>> = { scsi: 31, virtio: 16, sata: 6, ide: 4, net: 32 };

/** Whether `slot` is a VM disk slot (`scsi0`-`scsi30`, `virtio0`-`virtio15`, `sata0`-`sata5`, `ide0`-`ide3`). */
export function isDiskSlot(slot: string): boolean {
  const match = /^(scsi|virtio|sata|ide)(\d+)$/.exec(slot);
  return match !== null && Number(match[2]) < (SLOT_COUNTS[match[1] as string] as number);
}

/** The first slot of `prefix` (`scsi`, `net`, ...) the config does not use; `undefined` when all are taken. */
export function nextFreeSlot(config: Readonly<Record<string, unknown>>, prefix: string): string | undefined {
  const count = SLOT_COUNTS[prefix] ?? 0;
  for (let index = 0; index < count; index += 1) {
    if (config[`${prefix}${index}`] === undefined) return `${prefix}${index}`;
  }
  return undefined;
}
