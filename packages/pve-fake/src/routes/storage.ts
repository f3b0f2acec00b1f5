import { bool, nodeParam, required, str, vmidParam } from '../params/param-spec.js';
import { fail, permissionDenied } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import type { StorageState } from '../state/model.js';
import { storageSummary } from './node-summaries.js';

const STORAGE_PRIVS = ['Datastore.Audit', 'Datastore.AllocateSpace'];

function visible(ctx: RouteContext, id: string): boolean {
  return STORAGE_PRIVS.some((p) => ctx.env.perms.has(ctx.who, `/storage/${id}`, p));
}

function storageOn(ctx: RouteContext): StorageState {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  const id = String(ctx.params.storage);
  if (!visible(ctx, id)) throw permissionDenied(`/storage/${id}`, STORAGE_PRIVS.join('|'));
  const s = ctx.env.cluster.storages.get(id);
  if (!s || !ctx.env.cluster.storageAvailable(node, id)) throw fail(`storage '${id}' does not exist`);
  return s;
}

function list(ctx: RouteContext): unknown[] {
  const node = String(ctx.params.node);
  ctx.env.cluster.requireNode(node);
  const content = ctx.params.content;
  return (
    [...ctx.env.cluster.storages.values()]
      .filter((s) => ctx.env.cluster.storageAvailable(node, s.id) && visible(ctx, s.id))
      .filter((s) => typeof ctx.params.storage !== 'string' || s.id === ctx.params.storage)
      // `Status.pm index` and `storage_info`: `enabled` and a `content` filter both leave disabled storages out.
      .filter((s) => !s.disable || (ctx.params.enabled !== true && typeof content !== 'string'))
      .filter((s) => typeof content !== 'string' || content.split(',').some((c) => s.content.includes(c)))
      .map((s) => storageSummary(ctx.env, node, s))
  );
}

function content(ctx: RouteContext): unknown[] {
  const s = storageOn(ctx);
  const node = String(ctx.params.node);
  return ctx.env.cluster
    .volumes(node, s.id)
    .filter((v) => typeof ctx.params.content !== 'string' || v.content === ctx.params.content)
    .filter((v) => ctx.params.vmid === undefined || v.vmid === Number(ctx.params.vmid))
    .map((v) => {
      const out: Record<string, unknown> = {
        volid: v.volid,
        content: v.content,
        format: v.format,
        size: v.size,
        ctime: v.ctime,
      };
      if (v.vmid !== undefined) out.vmid = v.vmid;
      if (v.content === 'images' || v.content === 'rootdir') out.used = 0;
      return out;
    });
}

/** Storage routes of a node: list, one storage's status, content. */
export function storageRoutes(): RouteDef[] {
  const one = { node: nodeParam, storage: required(str({ format: 'pve-storage-id' })) };
  return [
    route(
      'GET',
      '/nodes/{node}/storage',
      {
        node: nodeParam,
        content: str(),
        enabled: bool(),
        format: bool(),
        storage: str({ format: 'pve-storage-id' }),
        target: str({ format: 'pve-node' }),
      },
      list,
    ),
    route('GET', '/nodes/{node}/storage/{storage}/status', one, (ctx) => {
      const s = storageOn(ctx);
      const { storage: _id, ...rest } = storageSummary(ctx.env, String(ctx.params.node), s);
      return rest;
    }),
    route(
      'GET',
      '/nodes/{node}/storage/{storage}/content',
      { ...one, content: str(), vmid: vmidParam },
      content,
    ),
  ];
}
