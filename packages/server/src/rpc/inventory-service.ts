import type { ServiceImpl } from '@connectrpc/connect';
import type { InventoryService } from '@hvc/client/v1';
import { ImageQuerySchema, NetworkQuerySchema, StorageQuerySchema } from '@hvc/hypervisor-connector';
import { bindPageToken, type PageTokenScope, unbindPageToken } from '../wire/bound-page-token.js';
import { compact } from '../wire/compact.js';
import { imageToProto, networkToProto, storageToProto } from '../wire/inventory-mapping.js';
import { parseProtoInput } from '../wire/proto-field-path.js';
import { accessTarget, type TargetAccess } from './access.js';
import type { ServiceDeps } from './service-deps.js';

/** The paging fields every inventory request has. */
interface PagedRequest {
  readonly pageSize: number;
  readonly pageToken: string;
}

/**
 * The inventory service: a target's storages, networks and images, for viewers. Pages are the connector's; their
 * tokens are bound to the organisation, target and list (see `bindPageToken`).
 */
export function createInventoryService(deps: ServiceDeps): ServiceImpl<typeof InventoryService> {
  const mac = (data: string) => deps.store.pageTokenMac(data);
  const scopeOf = (access: TargetAccess, list: string): PageTokenScope => ({
    organizationId: access.organizationId,
    targetId: access.targetId,
    list,
  });
  /** The connector's paging fields: 0 is the default size; the token is checked against its scope. */
  const paging = (req: PagedRequest, scope: PageTokenScope) =>
    compact({
      pageSize: req.pageSize === 0 ? undefined : req.pageSize,
      pageToken: unbindPageToken(mac, scope, req.pageToken),
    });

  return {
    async listStorages(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const scope = scopeOf(access, 'storages');
      const query = parseProtoInput(
        StorageQuerySchema,
        { ...paging(req, scope), ...compact({ node: req.node, contentKinds: req.contentKinds }) },
        '',
      );
      const page = await access.connector.listStorages(query, { signal: ctx.signal });
      return {
        storages: page.items.map(storageToProto),
        nextPageToken: bindPageToken(mac, scope, page.nextPageToken),
      };
    },
    async listNetworks(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const scope = scopeOf(access, 'networks');
      const query = parseProtoInput(
        NetworkQuerySchema,
        { ...paging(req, scope), ...compact({ node: req.node, kinds: req.kinds }) },
        '',
      );
      const page = await access.connector.listNetworks(query, { signal: ctx.signal });
      return {
        networks: page.items.map(networkToProto),
        nextPageToken: bindPageToken(mac, scope, page.nextPageToken),
      };
    },
    async listImages(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const scope = scopeOf(access, 'images');
      const query = parseProtoInput(
        ImageQuerySchema,
        {
          ...paging(req, scope),
          ...compact({ kinds: req.kinds, storage: req.storage, node: req.node, namePrefix: req.namePrefix }),
        },
        '',
      );
      const page = await access.connector.listImages(query, { signal: ctx.signal });
      return {
        images: page.items.map(imageToProto),
        nextPageToken: bindPageToken(mac, scope, page.nextPageToken),
      };
    },
  };
}
