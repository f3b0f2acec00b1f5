import { splitList } from '../params/formats.js';
import { bool, required, str } from '../params/param-spec.js';
import { fail } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { vmStats } from './cluster.js';

const POOLID = str({ format: 'pve-poolid' });

function members(ctx: RouteContext, poolid: string): Record<string, unknown>[] {
  return [...ctx.env.cluster.guests.values()]
    .filter((g) => g.pool === poolid)
    .map((g) => ({ id: `${g.type}/${g.vmid}`, type: g.type, vmid: g.vmid, node: g.node, status: g.status }));
}

/**
 * `GET /pools` (pve-manager `PVE/API2/Pool.pm` `index`): the pools the caller has `Pool.Audit` on; with `poolid`, that
 * one pool and its direct guest members as `extract_vm_stats` entries — whatever the caller's privileges (the check is
 * made with `noerr` and its result unused: "…or the pool specific with {poolid}"), and an unknown pool is an error.
 */
function list(ctx: RouteContext): unknown[] {
  const poolid = ctx.params.poolid;
  if (typeof poolid === 'string') {
    const pool = ctx.env.cluster.pools.get(poolid);
    if (!pool) throw fail(`pool '${poolid}' does not exist`);
    const type = ctx.params.type;
    const guests = [...ctx.env.cluster.guests.values()]
      .filter((g) => g.pool === poolid && (type === undefined || type === g.type))
      .sort((a, b) => a.vmid - b.vmid);
    return [
      {
        poolid,
        ...(pool.comment !== undefined ? { comment: pool.comment } : {}),
        members: guests.map((g) => vmStats(ctx.env, g)),
      },
    ];
  }
  return [...ctx.env.cluster.pools.values()]
    .filter((p) => ctx.env.perms.has(ctx.who, `/pool/${p.poolid}`, 'Pool.Audit'))
    .map((p) => ({ poolid: p.poolid, ...(p.comment !== undefined ? { comment: p.comment } : {}) }));
}

function update(ctx: RouteContext): null {
  const env = ctx.env;
  const poolid = String(ctx.params.poolid);
  env.perms.check(ctx.who, `/pool/${poolid}`, ['Pool.Allocate']);
  const pool = env.cluster.pools.get(poolid);
  if (!pool) throw fail(`pool '${poolid}' does not exist`);
  if (typeof ctx.params.comment === 'string') pool.comment = ctx.params.comment;
  for (const id of typeof ctx.params.vms === 'string' ? splitList(ctx.params.vms) : []) {
    const g = env.cluster.guests.get(Number(id));
    if (!g) throw fail(`no such VMID '${id}'`);
    if (ctx.params.delete === true) {
      if (g.pool === poolid) g.pool = undefined;
    } else {
      if (g.pool !== undefined && g.pool !== poolid && ctx.params['allow-move'] !== true) {
        throw fail(`VM ${id} is already a pool member`);
      }
      g.pool = poolid;
    }
  }
  return null;
}

/** Resource pools: list, create, update members, delete (PVE 9 `/pools` with a `poolid` parameter). */
export function poolRoutes(): RouteDef[] {
  return [
    route('GET', '/pools', { poolid: POOLID, type: str({ enum: ['qemu', 'lxc', 'storage'] }) }, list),
    route('POST', '/pools', { poolid: required(POOLID), comment: str() }, (ctx) => {
      const poolid = String(ctx.params.poolid);
      ctx.env.perms.check(ctx.who, `/pool/${poolid}`, ['Pool.Allocate']);
      // pve-manager `PVE/API2/Pool.pm` `create_pool`: a nested pool needs its parent.
      const parent = poolid.includes('/') ? poolid.slice(0, poolid.lastIndexOf('/')) : undefined;
      if (parent !== undefined && !ctx.env.cluster.pools.has(parent)) {
        throw fail(`parent '${parent}' of pool '${poolid}' does not exist`);
      }
      if (ctx.env.cluster.pools.has(poolid)) {
        throw fail(
          `create pool failed: error during cfs-locked 'file-user_cfg' operation: pool '${poolid}' already exists`,
        );
      }
      ctx.env.cluster.pools.set(poolid, { poolid, comment: ctx.params.comment as string | undefined });
      return null;
    }),
    route(
      'PUT',
      '/pools',
      { poolid: required(POOLID), comment: str(), vms: str(), delete: bool(), 'allow-move': bool() },
      update,
    ),
    route('DELETE', '/pools', { poolid: required(POOLID) }, (ctx) => {
      const poolid = String(ctx.params.poolid);
      ctx.env.perms.check(ctx.who, `/pool/${poolid}`, ['Pool.Allocate']);
      if (!ctx.env.cluster.pools.has(poolid)) throw fail(`pool '${poolid}' does not exist`);
      if (members(ctx, poolid).length > 0) throw fail(`pool '${poolid}' is not empty`);
      ctx.env.cluster.pools.delete(poolid);
      return null;
    }),
  ];
}
