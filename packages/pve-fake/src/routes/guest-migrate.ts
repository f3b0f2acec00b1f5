import { bool, guestPathParams, int, num, type ParamSpecs, required, str } from '../params/param-spec.js';
import { fail, paramError } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { configVolumes } from '../state/guest-volumes.js';
import { haManaged, haRequest } from '../state/ha-manager.js';
import type { PveGuestState, PveGuestType } from '../state/model.js';
import { checkCfsQuorum } from '../state/quorum.js';
import type { TaskLog } from '../state/task-runner.js';
import { checkLock, guestOf, startGuestTask, typeWord } from './guest-context.js';

function precondition(ctx: RouteContext, type: PveGuestType): Record<string, unknown> {
  const env = ctx.env;
  // qemu-server `src/PVE/API2/Qemu.pm` `migrate_vm_precondition` / `migrate_vm`: quorum before anything else.
  checkCfsQuorum(env.cluster.quorate);
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Migrate']);
  const others = [...env.cluster.nodes.values()].filter((n) => n.name !== g.node);
  const allowed = others.filter((n) => n.online).map((n) => n.name);
  const notAllowed = Object.fromEntries(
    others.filter((n) => !n.online).map((n) => [n.name, { unavailable_storages: [] as string[] }]),
  );
  const running = g.status === 'running' ? 1 : 0;
  if (type === 'lxc') return { running, 'allowed-nodes': allowed, 'not-allowed-nodes': notAllowed };
  const localDisks = configVolumes(type, g.config)
    .filter((v) => !env.cluster.storages.get(v.volid.split(':')[0]!)?.shared)
    .map((v) => ({
      volid: v.volid,
      size: v.size,
      drivename: v.key,
      cdrom: 0,
      is_unused: /^unused/.test(v.key) ? 1 : 0,
      is_attached: /^unused/.test(v.key) ? 0 : 1,
      referenced_in_config: 1,
    }));
  return {
    running,
    allowed_nodes: allowed,
    not_allowed_nodes: notAllowed,
    local_disks: localDisks,
    local_resources: [],
    'mapped-resources': [],
    'mapped-resource-info': {},
    ...(env.pveVersion === 9 ? { 'has-dbus-vmstate': 0 } : {}),
  };
}

function migrate(ctx: RouteContext, type: PveGuestType): string {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Migrate']);
  const target = String(ctx.params.target);
  if (target === g.node) throw paramError({ target: 'target is local node.' });
  checkCfsQuorum(env.cluster.quorate);
  if (!env.cluster.nodes.has(target)) throw fail(`no such cluster node '${target}'`);
  if (!env.cluster.nodes.get(target)!.online) throw fail(`target node '${target}' is not online`);
  // An HA guest only queues the migration; the LRM migrates it with `with-local-disks` and `force`
  // (pve-ha-manager `PVE/HA/Resources/PVEVM.pm` `migrate`).
  if (haManaged(g)) return haRequest(env, g, { kind: 'migrate', target }, ctx.who.authid);
  // PVE detects these early, before the worker starts.
  checkLock(g);
  const online = ctx.params.online === true;
  const restart = type === 'lxc' && ctx.params.restart === true;
  if (g.status === 'running' && !online && !restart) {
    throw fail(
      type === 'qemu'
        ? "can't migrate running VM without --online"
        : "can't migrate running container without --online or --restart",
    );
  }
  for (const v of configVolumes(type, g.config)) {
    const storage = v.volid.split(':')[0]!;
    if (!env.cluster.storageAvailable(target, storage)) {
      throw fail(`storage '${storage}' is not available on node '${target}'`);
    }
  }
  return startGuestTask(env, ctx.who, g, {
    action: 'migrate',
    lock: 'migrate',
    check: () => {
      if (type === 'lxc' && online && g.status === 'running') {
        throw fail('lxc live migration is currently not implemented');
      }
    },
    finish: (log) => {
      log(`starting migration of ${typeWord(type)} ${g.vmid} to node '${target}'`);
      if (type === 'qemu' && online && g.status === 'running' && ctx.params['with-local-disks'] !== true) {
        refuseAttachedLocalDisks(ctx, g, log);
      }
      g.node = target;
      if (restart && g.status === 'running') g.startedAt = env.clock.nowSeconds();
      log('migration finished successfully');
    },
  });
}

/**
 * qemu-server `src/PVE/QemuMigrate.pm` `scan_local_volumes`: a live migration copies attached disks on storage that is
 * not shared only with `with-local-disks`; otherwise phase 1 aborts and the task fails `migration aborted`
 * (pve-guest-common `AbstractMigrate.pm` `migrate`), the VM staying where it was.
 */
function refuseAttachedLocalDisks(ctx: RouteContext, g: PveGuestState, log: TaskLog): void {
  const attached = configVolumes('qemu', g.config).filter(
    (v) => !/^unused/.test(v.key) && !ctx.env.cluster.storages.get(v.volid.split(':')[0]!)?.shared,
  );
  if (attached.length === 0) return;
  for (const v of attached) {
    log(`found local disk '${v.volid}' (attached)`);
    log(
      `can't migrate local disk '${v.volid}': can't live migrate attached local disks without with-local-disks option`,
    );
  }
  log("ERROR: Problem found while scanning volumes - can't migrate VM - check log");
  log('aborting phase 1 - cleanup resources');
  log(
    "ERROR: migration aborted (duration 00:00:00): Problem found while scanning volumes - can't migrate VM - check log",
  );
  throw fail('migration aborted');
}

/** `GET` (precondition check) and `POST .../migrate`. */
export function migrateRoutes(type: PveGuestType): RouteDef[] {
  const path = `/nodes/{node}/${type}/{vmid}/migrate`;
  const target = str({ format: 'pve-node' });
  const postParams: ParamSpecs =
    type === 'qemu'
      ? {
          ...guestPathParams,
          target: required(target),
          online: bool(),
          force: bool(),
          'with-local-disks': bool(),
          targetstorage: str(),
          migration_type: str({ enum: ['secure', 'insecure'] }),
          migration_network: str(),
          bwlimit: int({ minimum: 0 }),
        }
      : {
          ...guestPathParams,
          target: required(target),
          online: bool(),
          restart: bool(),
          timeout: int(),
          'target-storage': str(),
          bwlimit: num({ minimum: 0 }),
        };
  return [
    // The LXC precondition check is new in PVE 9.
    route('GET', path, { ...guestPathParams, target }, (ctx) => precondition(ctx, type), {
      since: type === 'lxc' ? 9 : 8,
    }),
    route('POST', path, postParams, (ctx) => migrate(ctx, type)),
  ];
}
