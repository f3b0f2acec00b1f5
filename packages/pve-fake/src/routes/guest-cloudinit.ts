import { guestPathParams, required, str } from '../params/param-spec.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { cloudinitUserdata, nocloudMetadata, nocloudNetwork } from '../state/cloudinit-documents.js';
import { cloudinitValues, regenerateCloudinit } from '../state/cloudinit-drive.js';
import type { GuestConfig } from '../state/model.js';
import { checkLock, guestOf } from './guest-context.js';

/** qemu-server `API2/Qemu.pm` `$cloudinitoptions`: the keys `GET .../cloudinit` lists while unchanged. */
const CLOUDINIT_OPTIONS = [
  'cicustom',
  'cipassword',
  'citype',
  'ciuser',
  'ciupgrade',
  'nameserver',
  'searchdomain',
  'sshkeys',
];

const masked = (config: GuestConfig): GuestConfig =>
  config.cipassword === undefined ? config : { ...config, cipassword: '**********' };

/**
 * `GET .../cloudinit` (qemu-server `API2/Qemu.pm` `cloudinit_pending`): keys added since the image was generated as
 * `pending`, changed `$cloudinitoptions` with the image's `value` and the new `pending`, unchanged ones as `value`,
 * removed ones as `delete: 1`; the password masked.
 */
function cloudinitPending(ctx: RouteContext): Record<string, unknown>[] {
  const g = guestOf(ctx, 'qemu');
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
  const current = masked(cloudinitValues(g.config));
  const base = masked(g.cloudinitBase ?? cloudinitValues(g.config));
  const out: Record<string, unknown>[] = [];
  const added = Object.keys(current).filter((k) => base[k] === undefined);
  for (const key of added.sort()) out.push({ key, pending: String(current[key]) });
  for (const key of CLOUDINIT_OPTIONS) {
    if (!current[key] || added.includes(key)) continue;
    const was = base[key];
    out.push(
      was !== undefined && String(was) !== String(current[key])
        ? { key, value: String(was), pending: String(current[key]) }
        : { key, value: String(current[key]) },
    );
  }
  for (const key of Object.keys(base).sort()) if (current[key] === undefined) out.push({ key, delete: 1 });
  return out;
}

/**
 * `GET .../cloudinit/dump` (`cloudinit_generated_config_dump` → `Cloudinit.pm` `dump_cloudinit_config`): the
 * generated user-data, network config or meta-data of the current config; the password masked without
 * `VM.Config.Cloudinit`. The fake generates the NoCloud documents for every `citype`.
 */
function dump(ctx: RouteContext): string {
  const g = guestOf(ctx, 'qemu');
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
  const mask = !ctx.env.perms.has(ctx.who, `/vms/${g.vmid}`, 'VM.Config.Cloudinit');
  switch (ctx.params.type) {
    case 'user':
      return cloudinitUserdata(g.config, g.vmid, mask);
    case 'network':
      return nocloudNetwork(g.config);
    default:
      return nocloudMetadata(g.config, g.vmid);
  }
}

/** The cloud-init routes of a VM: pending changes, regeneration (`PUT`, synchronous) and the generated documents. */
export function cloudinitRoutes(): RouteDef[] {
  const base = '/nodes/{node}/qemu/{vmid}/cloudinit';
  return [
    route('GET', base, guestPathParams, cloudinitPending),
    route('PUT', base, guestPathParams, (ctx) => {
      // `cloudinit_update`: under the config lock, `check_lock`, then `vmconfig_update_cloudinit_drive`.
      const g = guestOf(ctx, 'qemu');
      ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Config.Cloudinit']);
      checkLock(g);
      regenerateCloudinit(ctx.env.cluster, g);
      return null;
    }),
    route(
      'GET',
      `${base}/dump`,
      { ...guestPathParams, type: required(str({ enum: ['user', 'network', 'meta'] })) },
      dump,
    ),
  ];
}
