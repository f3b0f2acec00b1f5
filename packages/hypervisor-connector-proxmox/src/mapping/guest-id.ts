import { GuestIdSchema, type GuestType, InvalidArgumentError, parseInput } from '@hvc/hypervisor-connector';

/** PVE's two guest types, as they appear in paths and in `/cluster/resources` ids. */
export type PveGuestType = 'qemu' | 'lxc';

/** A parsed guest id (`qemu/100`, `lxc/101`). */
export interface PveGuestRef {
  readonly id: string;
  readonly type: PveGuestType;
  readonly vmid: number;
}

const PVE_GUEST_ID = /^(qemu|lxc)\/([1-9][0-9]{2,8})$/;

/** Parses a guest id; INVALID_ARGUMENT unless it is `qemu/<vmid>` or `lxc/<vmid>`. */
export function parseGuestId(guestId: unknown): PveGuestRef {
  // A well-formed Proxmox id is a valid contract id: only the others go through the contract's schema.
  const quick = typeof guestId === 'string' ? PVE_GUEST_ID.exec(guestId) : null;
  if (quick) return { id: guestId as string, type: quick[1] as PveGuestType, vmid: Number(quick[2]) };
  const id = parseInput(GuestIdSchema, guestId, 'guest id');
  const match = PVE_GUEST_ID.exec(id);
  if (!match) {
    throw new InvalidArgumentError('invalid guest id: a Proxmox guest id is qemu/<vmid> or lxc/<vmid>', {
      violations: [{ field: 'guestId', message: 'not qemu/<vmid> or lxc/<vmid>' }],
    });
  }
  return { id, type: match[1] as PveGuestType, vmid: Number(match[2]) };
}

/** The guest id of a type and VMID. */
export function guestIdOf(type: PveGuestType, vmid: number): string {
  return `${type}/${vmid}`;
}

/** The contract's type of a PVE guest type. */
export function contractGuestType(type: PveGuestType): GuestType {
  return type === 'qemu' ? 'vm' : 'container';
}
