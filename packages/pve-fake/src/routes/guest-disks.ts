import { bool, guestPathParams, required, str } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { formatSize, formatVolumeValue, parseSize, parseVolumeValue } from '../state/guest-volumes.js';
import type { PveGuestState, PveGuestType } from '../state/model.js';
import { checkLock, guestOf, skipLock, startGuestTask } from './guest-context.js';

const QEMU_DISKS = [
  ...Array.from({ length: 4 }, (_, i) => `ide${i}`),
  ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
  ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
  ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  'efidisk0',
  'tpmstate0',
];
const LXC_DISKS = ['rootfs', ...Array.from({ length: 256 }, (_, i) => `mp${i}`)];

/** What a resize changes: the drive, its volume and options, and the new size (undefined: already that size). */
interface ResizePlan {
  readonly volume: string;
  readonly options: Map<string, string>;
  readonly next: number;
  readonly current: number;
}

/** The requested size in bytes from `size` (`+` adds to the current size). */
function requestedSize(spec: string, current: number): number {
  const amount = parseSize(spec.replace(/^\+/, ''));
  return Math.floor(spec.startsWith('+') ? current + amount : amount);
}

/**
 * qemu-server `API2/Qemu.pm` `resize_vm`: every check runs in the `resize` worker under the config lock — digest
 * (`checksum mismatch`), `check_lock`, `disk '<d>' does not exist`, `you can't resize a cdrom`,
 * `Datastore.AllocateSpace` on the storage, `shrinking disks is not supported` — so each fails the task, not the
 * request; the same size is a task that changes nothing (`return if $size == $newsize`).
 */
function qemuResizeChecks(ctx: RouteContext, g: PveGuestState, skip: boolean): ResizePlan {
  const env = ctx.env;
  const digest = ctx.params.digest;
  if (typeof digest === 'string' && digest !== env.cluster.digest(g)) {
    throw fail('checksum mismatch (file change by other user?)');
  }
  checkLock(g, skip);
  const disk = String(ctx.params.disk);
  const value = g.config[disk];
  if (typeof value !== 'string') throw fail(`disk '${disk}' does not exist`);
  const { volume, options } = parseVolumeValue(value);
  if (options.get('media') === 'cdrom') throw fail(`you can't resize a cdrom`);
  env.perms.check(ctx.who, `/storage/${volume.split(':')[0]}`, ['Datastore.AllocateSpace']);
  const current = parseSize(options.get('size') ?? '0');
  const next = requestedSize(String(ctx.params.size), current);
  if (next < current) throw fail('shrinking disks is not supported');
  return { volume, options, next, current };
}

/**
 * pve-container `API2/LXC.pm` `resize_vm` `$load_and_check`, run before forking (HTTP 500) and again in the worker:
 * `check_lock`, the digest (`assert_if_modified`), `Datastore.AllocateSpace`, `unable to shrink disk size`,
 * `disk is already at specified size`.
 */
function lxcResizeChecks(ctx: RouteContext, g: PveGuestState): ResizePlan {
  const env = ctx.env;
  checkLock(g);
  const digest = ctx.params.digest;
  if (typeof digest === 'string' && digest !== env.cluster.digest(g)) {
    throw fail('detected modified configuration - file changed by other user? Try again.');
  }
  const disk = String(ctx.params.disk);
  const value = g.config[disk];
  if (typeof value !== 'string') throw fail(`disk '${disk}' does not exist`);
  const { volume, options } = parseVolumeValue(value);
  env.perms.check(ctx.who, `/storage/${volume.split(':')[0]}`, ['Datastore.AllocateSpace']);
  const current = parseSize(options.get('size') ?? '0');
  const next = requestedSize(String(ctx.params.size), current);
  if (next < current) throw fail('unable to shrink disk size');
  if (next === current) throw fail('disk is already at specified size');
  return { volume, options, next, current };
}

function resize(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Config.Disk']);
  const skip = type === 'qemu' && skipLock(ctx);
  const checks = () => (type === 'qemu' ? qemuResizeChecks(ctx, g, skip) : lxcResizeChecks(ctx, g));
  if (type === 'lxc') checks();
  const disk = String(ctx.params.disk);
  let plan: ResizePlan | undefined;
  return startGuestTask(env, ctx.who, g, {
    action: 'resize',
    skipLock: true,
    check: () => {
      plan = checks();
    },
    finish: (log) => {
      if (!plan || plan.next === plan.current) return;
      plan.options.set('size', formatSize(plan.next));
      log(`resizing ${disk} (${plan.volume}) to ${plan.next} bytes`);
      env.cluster.writeConfig(g, { ...g.config, [disk]: formatVolumeValue(plan.volume, plan.options) });
    },
  });
}

/** `PUT .../resize` (a `resize` task since PVE 8.0). */
export function diskRoutes(type: PveGuestType): RouteDef[] {
  const params = {
    ...guestPathParams,
    disk: required(str({ enum: type === 'qemu' ? QEMU_DISKS : LXC_DISKS })),
    size: required(str({ pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?' })),
    digest: str({ maxLength: 40 }),
    ...(type === 'qemu' ? { skiplock: bool() } : {}),
  };
  return [route('PUT', `/nodes/{node}/${type}/{vmid}/resize`, params, (ctx) => resize(ctx, type))];
}
