import type { ServiceImpl } from '@connectrpc/connect';
import type { SnapshotService } from '@hvc/client/v1';
import { parseInput, SnapshotSpecSchema } from '@hvc/hypervisor-connector';
import { compact } from '../wire/compact.js';
import { snapshotToProto } from '../wire/proto-mapping.js';
import { parseSnapshotName } from '../wire/request-ids.js';
import { accessGuest } from './access.js';
import { runGuestOperation } from './guest-operation.js';
import type { ServiceDeps } from './service-deps.js';

/** The snapshot service: lists, takes, rolls back and deletes a guest's snapshots. */
export function createSnapshotService(deps: ServiceDeps): ServiceImpl<typeof SnapshotService> {
  return {
    async listSnapshots(req, ctx) {
      const { connector, guestId } = await accessGuest(deps, ctx, 'view', req);
      return {
        snapshots: (await connector.listSnapshots(guestId, { signal: ctx.signal })).map(snapshotToProto),
      };
    },
    async createSnapshot(req, ctx) {
      const spec = parseInput(
        SnapshotSpecSchema,
        compact({ name: req.name, description: req.description, includeMemory: req.includeMemory }),
        'snapshot',
      );
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.createSnapshot(id, spec, options),
      );
    },
    async rollbackSnapshot(req, ctx) {
      const name = parseSnapshotName(req.name);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.rollbackSnapshot(id, name, options),
      );
    },
    async deleteSnapshot(req, ctx) {
      const name = parseSnapshotName(req.name);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.deleteSnapshot(id, name, options),
      );
    },
  };
}
