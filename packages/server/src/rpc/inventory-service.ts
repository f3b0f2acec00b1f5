import type { ServiceImpl } from '@connectrpc/connect';
import type { InventoryService } from '@hvc/client/v1';
import { ImageQuerySchema, NetworkQuerySchema, StorageQuerySchema } from '@hvc/hypervisor-connector';
import { compact } from '../wire/compact.js';
import { connectorPaging } from '../wire/connector-paging.js';
import { imageToProto, networkToProto, storageToProto } from '../wire/inventory-mapping.js';
import { parseProtoInput } from '../wire/proto-field-path.js';
import { accessTarget } from './access.js';
import type { ServiceDeps } from './service-deps.js';

/**
 * The inventory service: a target's storages, networks and images, for viewers. Pages are the connector's; their
 * tokens are bound to the organisation, target and list (see `connectorPaging`).
 */
export function createInventoryService(deps: ServiceDeps): ServiceImpl<typeof InventoryService> {
  const mac = (data: string) => deps.store.pageTokenMac(data);

  return {
    async listStorages(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const paging = connectorPaging(mac, access, 'storages');
      const query = parseProtoInput(
        StorageQuerySchema,
        { ...paging.request(req), ...compact({ node: req.node, contentKinds: req.contentKinds }) },
        '',
      );
      const page = await access.connector.listStorages(query, { signal: ctx.signal });
      return { storages: page.items.map(storageToProto), nextPageToken: paging.next(page.nextPageToken) };
    },
    async listNetworks(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const paging = connectorPaging(mac, access, 'networks');
      const query = parseProtoInput(
        NetworkQuerySchema,
        { ...paging.request(req), ...compact({ node: req.node, kinds: req.kinds }) },
        '',
      );
      const page = await access.connector.listNetworks(query, { signal: ctx.signal });
      return { networks: page.items.map(networkToProto), nextPageToken: paging.next(page.nextPageToken) };
    },
    async listImages(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const paging = connectorPaging(mac, access, 'images');
      const query = parseProtoInput(
        ImageQuerySchema,
        {
          ...paging.request(req),
          ...compact({ kinds: req.kinds, storage: req.storage, node: req.node, namePrefix: req.namePrefix }),
        },
        '',
      );
      const page = await access.connector.listImages(query, { signal: ctx.signal });
      return { images: page.items.map(imageToProto), nextPageToken: paging.next(page.nextPageToken) };
    },
  };
}
