import { bool, guestPathParams, required, str } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { formatSize, formatVolumeValue, parseSize, parseVolumeValue } from '../state/guest-volumes.js';
import type { PveGuestType } from '../state/model.js';
import { guestOf, skipLock, startGuestTask } from './guest-context.js';

const QEMU_DISKS = [
  ...Array.from({ length: 4 }, (_, i) => `ide${i}`),
  ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
  ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
  ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  'efidisk0',
  'tpmstate0',
];
const LXC_DISKS = ['rootfs', ...Array.from({ length: 256 }, (_, i) => `mp${i}`)];

function resize(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Config.Disk']);
  const skip = type === 'qemu' && skipLock(ctx);
  const disk = String(ctx.params.disk);
  const digest = ctx.params.digest;
  if (typeof digest === 'string' && digest !== env.cluster.digest(g)) {
    throw fail('detected modified configuration - file changed by other user? Try again.');
  }
  const value = g.config[disk];
  if (typeof value !== 'string') throw fail(`disk '${disk}' does not exist`);
  const { volume, options } = parseVolumeValue(value);
  if (options.get('media') === 'cdrom') throw fail(`you can't resize a cdrom`);
  const spec = String(ctx.params.size);
  const current = parseSize(options.get('size') ?? '0');
  const amount = parseSize(spec.replace(/^\+/, ''));
  const next = spec.startsWith('+') ? current + amount : amount;
  if (next < current) throw fail(`shrinking disks is not supported`);
  return startGuestTask(env, ctx.who, g, {
    action: 'resize',
    skipLock: skip,
    finish: (log) => {
      options.set('size', formatSize(next));
      log(`resizing ${disk} (${volume}) to ${next} bytes`);
      env.cluster.writeConfig(g, { ...g.config, [disk]: formatVolumeValue(volume, options) });
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
