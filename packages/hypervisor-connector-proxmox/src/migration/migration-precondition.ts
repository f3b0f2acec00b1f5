import { ConflictError } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPath } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { pveOptionalBoolean } from '../schemas/pve-values.js';

/** A volume of `GET .../qemu/{vmid}/migrate`'s `local_disks` (qemu-server `$check_vm_disks_local`). */
const LocalDiskSchema = z.looseObject({
  volid: z.string(),
  cdrom: pveOptionalBoolean,
  is_unused: pveOptionalBoolean,
  is_attached: pveOptionalBoolean,
});

/** `GET .../qemu/{vmid}/migrate?target=` (qemu-server `src/PVE/API2/Qemu.pm` `migrate_vm_precondition`). */
const MigratePreconditionSchema = z.looseObject({
  local_disks: z.array(LocalDiskSchema).optional(),
});

/**
 * The parameters a live migration of a running VM needs, from PVE's own precondition check: a disk on storage that is
 * not shared is copied only with `with-local-disks` (qemu-server `src/PVE/QemuMigrate.pm` `scan_local_volumes`:
 * "can't live migrate attached local disks without with-local-disks option", failing the task), and a local CD-ROM
 * image blocks every migration ("local cdrom image"). A caller who said `with-local-disks: 0` in the provider options,
 * or a local ISO, gets CONFLICT naming the volumes before anything is sent.
 */
export async function liveMigrationParams(
  pve: ProxmoxContext,
  ref: PveGuestRef,
  node: string,
  target: string,
  requested: Readonly<Record<string, unknown>>,
  signal: AbortSignal | undefined,
): Promise<{ 'with-local-disks'?: true }> {
  const check = await pve.client.get(
    `${guestPath(ref, node)}/migrate`,
    { target },
    MigratePreconditionSchema,
    {
      node,
      ...(signal ? { signal } : {}),
    },
  );
  const disks = check.local_disks ?? [];
  const options = { ...pve.origin, details: { guestId: ref.id, volumes: [] as string[] } };
  const isos = disks.filter((disk) => disk.cdrom === true).map((disk) => disk.volid);
  if (isos.length > 0) {
    throw new ConflictError(
      `cannot migrate guest ${ref.id}: local CD-ROM image ${isos.join(', ')} (eject it first)`,
      { ...options, retryable: false, details: { guestId: ref.id, volumes: isos } },
    );
  }
  const local = disks.filter((disk) => disk.cdrom !== true).map((disk) => disk.volid);
  if (local.length === 0) return {};
  const forbidden = requested['with-local-disks'];
  if (forbidden === false || forbidden === 0 || forbidden === '0') {
    throw new ConflictError(
      `cannot migrate guest ${ref.id} live without copying its local disks: ${local.join(', ')}`,
      { ...options, retryable: false, details: { guestId: ref.id, volumes: local } },
    );
  }
  return { 'with-local-disks': true };
}
