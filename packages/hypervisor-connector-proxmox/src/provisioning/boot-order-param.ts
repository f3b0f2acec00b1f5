import { type BootDevice, InvalidArgumentError } from '@hvc/hypervisor-connector';

/** The devices of a new VM that each boot class maps to. */
export interface BootDevices {
  readonly disk?: string;
  readonly cdrom?: string;
  readonly network?: string;
}

/**
 * PVE's `boot: order=scsi0;ide2;net0` (qemu-server `$boot_fmt`) of the contract's device classes. A class the VM has
 * no device for is INVALID_ARGUMENT `boot`: PVE would refuse the order (`invalid bootorder: device ... does not exist`).
 */
export function bootOrderParam(order: readonly BootDevice[], devices: BootDevices): string {
  const slots = order.map((device) => {
    const slot = devices[device];
    if (slot === undefined) {
      throw new InvalidArgumentError(`the boot order names ${device}, but the VM has no ${device} device`, {
        violations: [{ field: 'boot', message: `the VM has no ${device} device` }],
      });
    }
    return slot;
  });
  return `order=${slots.join(';')}`;
}
